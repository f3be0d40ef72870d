namespace DocMap.Cli.Infrastructure;

/// <summary>Reads a file named on the command line, or standard input for <c>-</c> (or when no file is named), with a size limit.</summary>
internal static class InputFiles
{
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads <paramref name="path"/>, or standard input when it is <see langword="null"/> or <c>-</c>.</summary>
    /// <exception cref="CliUsageException">The file cannot be read, is too large, or standard input is a terminal.</exception>
    public static async Task<byte[]> ReadAsync(CliHost host, string? path, string optionName, CancellationToken cancellationToken)
    {
        if (path is null or "-")
        {
            if (!host.IsInputRedirected)
            {
                throw new CliUsageException($"No input: pass {optionName} FILE, or pipe it on standard input (for example: cat body.json | docmap ...).");
            }

            var input = host.OpenInput();
            await using (input.ConfigureAwait(false))
            {
                return await ReadBoundedAsync(input, "standard input", cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                return await ReadBoundedAsync(file, path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliUsageException($"{optionName} {path}: no such file.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliUsageException($"{optionName} {path}: permission denied (or it is a folder).");
        }
        catch (IOException ex) when (ex is not EndOfStreamException)
        {
            throw new CliUsageException($"{optionName} {path} could not be read: {ex.Message}");
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new CliUsageException($"{name} is larger than {MaxBytes / (1024 * 1024)} MiB; DocMap's deliveries are far smaller.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
