namespace DocMap.Client.Signatures;

/// <summary>How the HMAC key is derived from the 64-hex webhook secret.</summary>
public enum WebhookKeyDerivation
{
    /// <summary>The UTF-8 bytes of the 64-character secret text (what <c>createHmac('sha256', secret)</c> does). The default.</summary>
    Utf8Text = 0,

    /// <summary>The 32 bytes the 64 hex characters decode to.</summary>
    HexDecoded = 1,
}
