namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>The rules every inbox message id follows (stores may rely on them for their keys).</summary>
internal static class InboxIds
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 200;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="parameterName"/> unless the id is 1 to 200 printable ASCII characters.</summary>
    public static void ThrowIfInvalid(string? id, string parameterName)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            throw new ArgumentException($"An inbox message id must be 1 to {MaxLength} characters long.", parameterName);
        }

        foreach (var c in id)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException("An inbox message id must contain only printable ASCII characters.", parameterName);
            }
        }
    }
}
