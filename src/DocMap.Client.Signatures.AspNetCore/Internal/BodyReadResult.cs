namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>What <see cref="DocMapWebhookBodyReader.ReadAsync"/> read: a pooled buffer only when the body is complete.</summary>
internal readonly record struct BodyReadResult(BodyReadOutcome Outcome, byte[]? Buffer, int Length, long BytesRead);
