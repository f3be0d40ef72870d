using System.CommandLine;
using System.CommandLine.Parsing;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client.Signatures;

namespace DocMap.Cli.Commands;

/// <summary><c>docmap sign</c> and <c>docmap verify [--diagnose]</c>: DocMap's webhook signatures, offline.</summary>
internal static class SignatureCommands
{
    public static Command CreateSign(SharedOptions shared, CliHost host)
    {
        var (secret, bodyFile, keyDerivation) = (SecretOption(), BodyFileOption(), KeyDerivationOption());
        var command = new Command(
            "sign",
            "Print the signature header value DocMap would send for a body (HMAC-SHA256, lower-case hex), to test a receiver by hand.");
        command.Options.Add(secret);
        command.Options.Add(bodyFile);
        command.Options.Add(keyDerivation);
        CliApp.SetHandler(command, shared, host, async context =>
        {
            var key = RequireSecret(context, secret);
            var derivation = context.Get(keyDerivation) ?? WebhookKeyDerivation.Utf8Text;
            var body = await InputFiles.ReadAsync(context.Host, context.Get(bodyFile), "--body-file", context.CancellationToken).ConfigureAwait(false);
            var signature = WebhookSigner.Sign(key, body, new WebhookSignatureOptions { KeyDerivation = derivation });
            if (context.Output.Json)
            {
                context.Output.WriteJson(new SignJson(signature, WebhookSignatureOptions.DefaultHeaderName, SignatureDiagnosis.Name(derivation)), CliJson.Context.SignJson);
            }
            else
            {
                context.Output.Result(signature);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateVerify(SharedOptions shared, CliHost host)
    {
        var (secret, bodyFile, keyDerivation) = (SecretOption(), BodyFileOption(), KeyDerivationOption());
        var signature = new Option<string>("--signature")
        {
            Description = "The signature header's value as received, or the whole header line ('X-DocMap-Signature: …').",
            HelpName = "value",
            Required = true,
        };
        var diagnose = new Option<bool>("--diagnose")
        {
            Description = "Try the variants a sender might use (key as text or hex, hex case, sha256= prefix, newlines, CRLF/LF) and say which matches and what to configure.",
        };
        var command = new Command(
            "verify",
            "Check a delivery's signature against its body and your webhook secret. Exit 0 when it verifies, 1 when it does not.");
        command.Options.Add(secret);
        command.Options.Add(signature);
        command.Options.Add(bodyFile);
        command.Options.Add(keyDerivation);
        command.Options.Add(diagnose);
        command.Validators.Add(result =>
        {
            if (result.GetResult(diagnose) is not null && result.GetResult(keyDerivation) is not null)
            {
                result.AddError("--diagnose tries both key derivations; leave out --key-derivation.");
            }
        });

        CliApp.SetHandler(command, shared, host, async context =>
        {
            var key = RequireSecret(context, secret);
            var (headerName, headerValue) = SplitHeader(context.Get(signature) ?? string.Empty);
            var body = await InputFiles.ReadAsync(context.Host, context.Get(bodyFile), "--body-file", context.CancellationToken).ConfigureAwait(false);
            return context.Get(diagnose)
                ? Diagnose(context.Output, key, body, headerName, headerValue)
                : Verify(context.Output, key, body, headerValue, context.Get(keyDerivation) ?? WebhookKeyDerivation.Utf8Text);
        });
        return command;
    }

    private static int Verify(CliOutput output, WebhookSecret secret, byte[] body, string headerValue, WebhookKeyDerivation derivation)
    {
        var options = new WebhookSignatureOptions { KeyDerivation = derivation };
        var result = new WebhookSignatureVerifier(options, secret).Verify(body, headerValue);
        var reason = result.IsValid ? "none" : JsonName(result.FailureReason.ToString());
        return WithVerdict(result.IsValid ? ExitCodes.Success : ExitCodes.Failure, () =>
        {
            if (output.Json)
            {
                output.WriteJson(new VerifyJson(result.IsValid, reason, options.HeaderName, SignatureDiagnosis.Name(derivation)), CliJson.Context.VerifyJson);
            }
            else if (result.IsValid)
            {
                output.Result($"valid: the signature matches this body and secret (key: {DescribeKey(derivation)}).");
            }
            else
            {
                output.Result(result.FailureReason switch
                {
                    WebhookSignatureFailureReason.MissingSignature => "invalid: the signature is empty.",
                    WebhookSignatureFailureReason.MalformedSignature => "invalid: the signature is not 64 hex characters (optionally after 'sha256=').",
                    _ => "invalid: the signature does not match this body and secret.",
                });
                output.Info("Run again with --diagnose to try the variants a sender might use and see which setting would make it verify.");
            }
        });
    }

    /// <summary>
    /// Prints a verdict and returns its exit code, also when standard output was closed before it could be printed
    /// (<c>docmap verify ... | head -0</c>): the exit code is then all that is left of the verdict, and must not become 0.
    /// </summary>
    private static int WithVerdict(int exitCode, Action print)
    {
        try
        {
            print();
        }
        catch (OutputClosedException)
        {
        }

        return exitCode;
    }

    private static int Diagnose(CliOutput output, WebhookSecret secret, byte[] body, string? headerName, string headerValue)
    {
        var result = SignatureDiagnosis.Run(secret, body, headerName, headerValue);
        return WithVerdict(result.Matched ? ExitCodes.Success : ExitCodes.Failure, () => PrintDiagnosis(output, result));
    }

    private static void PrintDiagnosis(CliOutput output, SignatureDiagnosis.Result result)
    {
        if (output.Json)
        {
            output.WriteJson(SignatureDiagnosis.ToJson(result), CliJson.Context.DiagnoseJson);
            return;
        }

        output.Table(
            [new("KEY"), new("BODY"), new("MATCH", Colour: m => m == "yes" ? "green" : null)],
            [.. result.Tried.Select(t => new[] { t.KeyDerivation, t.Body, t.Matched ? "yes" : "no" })]);
        output.Result(string.Empty);
        if (result.Matched && result.Candidate is { } candidate && result.KeyDerivation is { } key && result.Body is { } matchedBody)
        {
            var encoding = candidate.Encoding == "hex" ? $"{candidate.HexCase}-case hex" : candidate.Encoding;
            output.Result(
                $"Match: key = {DescribeKey(key)}; body = {(matchedBody.Name == SignatureDiagnosis.AsGiven ? "as given" : SignatureDiagnosis.Describe(matchedBody.Name))}; " +
                $"signature = {encoding}{(candidate.Prefix.Length > 0 ? $" with prefix '{candidate.Prefix}'" : string.Empty)}" +
                $"{(candidate.Index > 0 ? $" (entry {candidate.Index + 1} of the header)" : string.Empty)}.");
            foreach (var setting in result.Settings)
            {
                output.Result($"Set: {setting.Option} = {setting.Value}  (configuration {setting.ConfigurationKey}, environment {setting.EnvironmentVariable}={setting.Value})");
            }
        }
        else
        {
            output.Result("No match.");
        }

        foreach (var note in result.Notes)
        {
            output.Result(note);
        }
    }

    private static string DescribeKey(WebhookKeyDerivation key) =>
        key == WebhookKeyDerivation.HexDecoded ? "the secret's hex-decoded 32 bytes" : "the secret's UTF-8 text (DocMap's default)";

    private static string JsonName(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>Accepts "Header-Name: value" as pasted from a request dump, or just the value.</summary>
    public static (string? Name, string Value) SplitHeader(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && text[..colon].Trim() is { Length: > 0 } name && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return (name, text[(colon + 1)..].Trim());
        }

        return (null, text.Trim());
    }

    private static Option<string> SecretOption() => new("--secret")
    {
        Description = $"The webhook's secret, 64 hex characters [default: ${SharedOptions.WebhookSecretVariable}]. Prefer the variable: a command line is visible to other users.",
        HelpName = "secret",
    };

    private static Option<string> BodyFileOption() => new("--body-file")
    {
        Description = "The delivery body, byte for byte (- or nothing: standard input).",
        HelpName = "file",
    };

    /// <summary><c>--key-derivation utf8|hex</c> (also used by <c>docmap emulator</c>).</summary>
    internal static Option<WebhookKeyDerivation?> KeyDerivationOption(string? description = null) => new("--key-derivation")
    {
        Description = description ?? "How the HMAC key comes from the secret: utf8 (its text; DocMap's default) or hex (its 32 decoded bytes).",
        HelpName = "utf8|hex",
        CustomParser = ParseKeyDerivation,
    };

    private static WebhookKeyDerivation? ParseKeyDerivation(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        switch (text.ToLowerInvariant())
        {
            case "utf8" or "utf8text" or "text":
                return WebhookKeyDerivation.Utf8Text;
            case "hex" or "hexdecoded":
                return WebhookKeyDerivation.HexDecoded;
            default:
                result.AddError($"--key-derivation must be utf8 or hex, not '{CliOutput.Cell(text)}'.");
                return null;
        }
    }

    private static WebhookSecret RequireSecret(CommandContext context, Option<string> option)
    {
        var text = context.Get(option);
        var source = "--secret";
        if (string.IsNullOrEmpty(text))
        {
            text = context.Host.GetEnvironmentVariable(SharedOptions.WebhookSecretVariable);
            source = SharedOptions.WebhookSecretVariable;
        }

        if (string.IsNullOrEmpty(text))
        {
            throw new CliUsageException($"No webhook secret: pass --secret or set {SharedOptions.WebhookSecretVariable}.");
        }

        context.Output.Redactor.Add(text);
        if (WebhookSecret.TryParse(text, out var secret) && secret is not null)
        {
            return secret;
        }

        var hint = text.Trim().Length != text.Length ? " (remove the surrounding white space or newline)" : string.Empty;
        throw new CliUsageException(
            $"The webhook secret ({source}) must be exactly 64 hexadecimal characters, as DocMap returned it when the webhook was created; " +
            $"the value given has {text.Length} characters{hint}.");
    }
}
