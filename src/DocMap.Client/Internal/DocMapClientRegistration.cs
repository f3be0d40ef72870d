namespace DocMap.Client.Internal;

/// <summary>Marks a service collection in which the DocMap client pipeline is already registered.</summary>
internal sealed class DocMapClientRegistration;
