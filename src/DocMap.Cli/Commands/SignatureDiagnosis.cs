using System.Text;
using System.Text.Json;
using DocMap.Cli.Output;
using DocMap.Client.Signatures;

namespace DocMap.Cli.Commands;

/// <summary>
/// <c>verify --diagnose</c>: DocMap has not published its exact signing scheme, so this tries what a real delivery
/// might differ in — the key (the secret's UTF-8 text or its hex-decoded 32 bytes), the body (as given, a trailing
/// newline removed or added, CRLF and LF swapped, JSON re-serialized compactly), and the header value (hex in either
/// case, base64, a <c>sha256=</c> or other prefix, a list of several) — and reports which combination matches and what
/// a receiver must set for it.
/// </summary>
internal static class SignatureDiagnosis
{
    public const string AsGiven = "asGiven";

    /// <summary>One signature found in the header value.</summary>
    internal sealed record Candidate(int Index, string Entry, string Prefix, string Encoding, string? HexCase, string? MacHex);

    internal sealed record Variant(string Name, byte[] Body);

    internal sealed record Result(
        bool Matched,
        Candidate? Candidate,
        WebhookKeyDerivation? KeyDerivation,
        Variant? Body,
        string HeaderName,
        IReadOnlyList<DiagnoseSettingJson> Settings,
        IReadOnlyList<string> Notes,
        IReadOnlyList<DiagnoseTriedJson> Tried);

    public static Result Run(WebhookSecret secret, byte[] body, string? headerName, string headerValue)
    {
        var effectiveHeader = string.IsNullOrEmpty(headerName) ? WebhookSignatureOptions.DefaultHeaderName : headerName;
        var notes = new List<string>();
        var candidates = ParseCandidates(headerValue, notes);
        var bodies = BodyVariants(body);
        var tried = new List<DiagnoseTriedJson>();
        (Candidate Candidate, WebhookKeyDerivation Key, Variant Body)? match = null;

        foreach (var variant in bodies)
        {
            foreach (var key in new[] { WebhookKeyDerivation.Utf8Text, WebhookKeyDerivation.HexDecoded })
            {
                var mac = WebhookSigner.Sign(secret, variant.Body, new WebhookSignatureOptions { KeyDerivation = key });
                var hit = candidates.FirstOrDefault(c => c.MacHex is not null && string.Equals(c.MacHex, mac, StringComparison.Ordinal));
                tried.Add(new DiagnoseTriedJson(Name(key), variant.Name, hit is not null));
                if (hit is not null && match is null)
                {
                    match = (hit, key, variant);
                }
            }
        }

        var settings = new List<DiagnoseSettingJson>();
        if (match is not { } found)
        {
            notes.Add(candidates.Any(c => c.MacHex is not null)
                ? "No variant matched. Most likely the secret is not this webhook's (each webhook has its own, shown once when it was created), " +
                  "or the body is not the exact bytes that were signed (save the raw request body, not a pretty-printed or re-encoded copy). " +
                  "If both are right, DocMap signs something other than the body (for example a timestamp with it): please report it."
                : "No signature in the header value could be read as an HMAC-SHA256 (64 hex characters or 44 base64 characters).");
            return new Result(false, null, null, null, effectiveHeader, settings, notes, tried);
        }

        if (found.Key == WebhookKeyDerivation.HexDecoded)
        {
            settings.Add(new DiagnoseSettingJson("DocMapWebhookOptions.KeyDerivation", "DocMap:Webhooks:KeyDerivation", "DocMap__Webhooks__KeyDerivation", "HexDecoded"));
            notes.Add("The HMAC key is the secret's hex-decoded 32 bytes, not its text: set KeyDerivation to HexDecoded " +
                      "(DocMapWebhookOptions in ASP.NET Core; WebhookSignatureOptions.KeyDerivation for WebhookSignatureVerifier and WebhookSigner).");
        }

        if (!string.Equals(effectiveHeader, WebhookSignatureOptions.DefaultHeaderName, StringComparison.OrdinalIgnoreCase))
        {
            settings.Add(new DiagnoseSettingJson("DocMapWebhookOptions.HeaderName", "DocMap:Webhooks:HeaderName", "DocMap__Webhooks__HeaderName", effectiveHeader));
            notes.Add($"The signature arrives in {effectiveHeader}, not {WebhookSignatureOptions.DefaultHeaderName}: set HeaderName (WebhookSignatureOptions.HeaderName outside ASP.NET Core).");
        }

        var candidate = found.Candidate;
        if (candidate.Encoding == "base64")
        {
            notes.Add("The signature is base64, not hex: no receiver option reads base64 signatures yet. Please report this (with the header name, never the secret).");
        }
        else if (candidate.Prefix.Length > 0 && !string.Equals(candidate.Prefix, "sha256=", StringComparison.OrdinalIgnoreCase))
        {
            notes.Add($"The signature carries the prefix '{candidate.Prefix}', which the verifier does not strip: no receiver option covers it yet. Please report this.");
        }
        else
        {
            if (candidate.Prefix.Length > 0)
            {
                notes.Add("The 'sha256=' prefix needs no setting: the verifier accepts it.");
            }

            if (candidate.HexCase is "upper" or "mixed")
            {
                notes.Add("Upper-case hex needs no setting: the verifier accepts either case.");
            }
        }

        if (found.Body.Name != AsGiven)
        {
            notes.Add($"The signature matches the body with {Describe(found.Body.Name)}, so the body given differs from the bytes that were signed " +
                      "(an editor, a log or a copy changed it). Nothing to configure: a receiver verifies the raw body exactly as it arrives.");
        }

        if (settings.Count == 0 && notes.Count == 0)
        {
            notes.Add("DocMap's default scheme (HMAC-SHA256 of the raw body keyed by the secret's UTF-8 text, lower-case hex): nothing to configure.");
        }
        else if (settings.Count == 0)
        {
            notes.Add("No receiver option needs to change.");
        }

        return new Result(true, candidate, found.Key, found.Body, effectiveHeader, settings, notes, tried);
    }

    public static DiagnoseJson ToJson(Result result) => new(
        result.Matched,
        result.Candidate is { } c && result.KeyDerivation is { } key && result.Body is { } body
            ? new DiagnoseVariantJson(Name(key), body.Name, c.Encoding, c.HexCase, c.Prefix, c.Index)
            : null,
        result.HeaderName,
        result.Settings,
        result.Notes,
        result.Tried);

    public static string Name(WebhookKeyDerivation key) => key == WebhookKeyDerivation.HexDecoded ? "hexDecoded" : "utf8Text";

    public static string Describe(string bodyVariant) => string.Join(" and ", bodyVariant.Split('+').Select(part => part switch
    {
        "trailingNewlineRemoved" => "its trailing newline removed",
        "trailingNewlineAdded" => "a trailing newline added",
        "crlfToLf" => "CRLF line ends turned into LF",
        "lfToCrlf" => "LF line ends turned into CRLF",
        "compactJson" => "its JSON re-serialized without whitespace",
        _ => part,
    }));

    /// <summary>The signatures of a header value: a list separated by commas or white space, each maybe with a <c>name=</c> prefix.</summary>
    public static List<Candidate> ParseCandidates(string headerValue, List<string> notes)
    {
        var candidates = new List<Candidate>();
        var entries = headerValue.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < entries.Length && i < 16; i++)
        {
            var entry = entries[i];
            var prefix = string.Empty;
            var value = entry;
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && equals < entry.Length - 1 && equals <= 16 && entry[..equals].All(char.IsAsciiLetterOrDigit))
            {
                prefix = entry[..(equals + 1)];
                value = entry[(equals + 1)..];
            }

            if (value.Length == 64 && value.All(char.IsAsciiHexDigit))
            {
                var hexCase = value.Any(char.IsAsciiLetterUpper) ? value.Any(char.IsAsciiLetterLower) ? "mixed" : "upper" : "lower";
                candidates.Add(new Candidate(i, entry, prefix, "hex", hexCase, value.ToLowerInvariant()));
                continue;
            }

            var bytes = new byte[48];
            if (Convert.TryFromBase64String(value, bytes, out var written) && written == 32)
            {
                candidates.Add(new Candidate(i, entry, prefix, "base64", null, Convert.ToHexStringLower(bytes.AsSpan(0, 32))));
                continue;
            }

            candidates.Add(new Candidate(i, entry, prefix, "unreadable", null, null));
            notes.Add($"Entry {i + 1} of the header ('{CliOutput.Cell(Shorten(entry))}') is not an HMAC-SHA256 value (64 hex or 44 base64 characters); it was skipped.");
        }

        return candidates;
    }

    /// <summary>The bodies to try: as given first, then every distinct combination of line-end and trailing-newline changes.</summary>
    public static List<Variant> BodyVariants(byte[] body)
    {
        var variants = new List<Variant>();
        void Add(string name, byte[] bytes)
        {
            if (!variants.Any(v => v.Body.AsSpan().SequenceEqual(bytes)))
            {
                variants.Add(new Variant(name, bytes));
            }
        }

        Add(AsGiven, body);
        foreach (var (lineName, lines) in new[] { (string.Empty, body), ("crlfToLf", CrlfToLf(body)), ("lfToCrlf", LfToCrlf(body)) })
        {
            var crlf = lineName == "lfToCrlf";
            foreach (var (trailName, bytes) in new[]
                     {
                         (string.Empty, lines),
                         ("trailingNewlineRemoved", RemoveTrailingNewline(lines)),
                         ("trailingNewlineAdded", [.. lines, .. (crlf ? "\r\n"u8.ToArray() : "\n"u8.ToArray())]),
                     })
            {
                var name = string.Join('+', new[] { lineName, trailName }.Where(n => n.Length > 0));
                if (name.Length > 0)
                {
                    Add(name, bytes);
                }
            }
        }

        if (CompactJson(body) is { } compact)
        {
            Add("compactJson", compact);
        }

        return variants;
    }

    private static byte[] CrlfToLf(byte[] body) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(body).Replace("\r\n", "\n", StringComparison.Ordinal));

    private static byte[] LfToCrlf(byte[] body)
    {
        var text = Encoding.Latin1.GetString(body).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text);
    }

    private static byte[] RemoveTrailingNewline(byte[] body) =>
        body.AsSpan().EndsWith("\r\n"u8) ? body[..^2] :
        body.AsSpan().EndsWith("\n"u8) ? body[..^1] :
        body;

    private static byte[]? CompactJson(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            return buffer.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string value) => value.Length <= 24 ? value : value[..21] + "...";
}
