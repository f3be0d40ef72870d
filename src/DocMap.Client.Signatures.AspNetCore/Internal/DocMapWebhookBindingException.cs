using Microsoft.Extensions.Configuration;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// A configuration value under the webhook section could not be converted to its setting's type. The message names
/// the section path and the exception type only, never the value (the binder's own message quotes it), and the
/// binder's exception is not kept as the inner exception for the same reason.
/// </summary>
internal sealed class DocMapWebhookBindingException : InvalidOperationException
{
    private DocMapWebhookBindingException(string message)
        : base(message)
    {
    }

    public static void Bind(IConfiguration section, DocMapWebhookOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? DocMapWebhookOptions.SectionName;
        try
        {
            section.Bind(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new DocMapWebhookBindingException(
                $"The DocMap webhook settings under '{path}' could not be read: a value has the wrong type ({ex.GetType().Name}; " +
                $"{path}:Secrets is a list of 64-hex-character secrets, {path}:MaxBodyBytes and {path}:MaxSignaturesPerHeader are numbers, " +
                $"{path}:BodyReadTimeout is a time span written hh:mm:ss (for example 00:00:10), " +
                $"{path}:KeyDerivation is Utf8Text or HexDecoded). The value is not shown.");
        }
    }
}
