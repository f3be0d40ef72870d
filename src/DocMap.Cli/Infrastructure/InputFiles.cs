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
            var file = await OpenAsync(path, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Opens <paramref name="path"/> on a thread of its own, abandoned when <paramref name="cancellationToken"/> fires:
    /// opening a FIFO (<c>mkfifo</c>) blocks in the kernel until a writer opens it, and no token reaches it, so an open on
    /// the command's own thread would make Ctrl+C and SIGTERM do nothing. A stream opened after that is disposed.
    /// </summary>
    private static async Task<FileStream> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var opening = Task.Run(
            () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous),
            CancellationToken.None);
        try
        {
            return await opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = opening.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }

    /// <remarks>
    /// Each read is abandoned when <paramref name="cancellationToken"/> fires, whether or not the stream observes it:
    /// .NET's console stream does not (its read blocks in the kernel), so without this a pipe that never ends would make
    /// Ctrl+C and SIGTERM do nothing, and an end of input arriving after Ctrl+C would return a truncated body as if whole.
    /// The abandoned read keeps its thread until the process exits, which it is about to.
    /// </remarks>
    private static async Task<byte[]> ReadBoundedAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new CliUsageException($"{name} is larger than {MaxBytes / (1024 * 1024)} MiB; DocMap's deliveries are far smaller.");
            }

            buffer.Write(chunk, 0, read);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return buffer.ToArray();
    }
}
