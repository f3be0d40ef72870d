namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>Marks an endpoint whose requests must carry a verified DocMap signature.</summary>
internal sealed class DocMapSignatureRequiredMetadata
{
    public static readonly DocMapSignatureRequiredMetadata Instance = new();

    private DocMapSignatureRequiredMetadata()
    {
    }

    public override string ToString() => "RequireDocMapSignature";
}
