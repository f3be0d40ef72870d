using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;

namespace DocMap.Cli.Infrastructure;

/// <summary>
/// A file for a webhook secret, created before the webhook (so an unusable path costs nothing) and exclusively: an
/// existing file, or a symbolic link, is never overwritten or followed. Readable and writable only by its owner: mode
/// 0600 on Unix (set atomically at creation), an ACL granting only the current user on Windows.
/// </summary>
internal sealed class SecretFile : IDisposable
{
    private FileStream? _stream;
    private bool _written;

    private SecretFile(string path, FileStream stream)
    {
        FullPath = path;
        _stream = stream;
    }

    public string FullPath { get; }

    /// <summary>Creates the file, empty.</summary>
    /// <exception cref="CliUsageException">The file exists, its folder does not, or it cannot be created.</exception>
    public static SecretFile CreateExclusive(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException("--secret-file needs a path.");
        }

        var fullPath = Path.GetFullPath(path);
        try
        {
            return new SecretFile(fullPath, Open(fullPath));
        }
        catch (IOException) when (File.Exists(fullPath) || Directory.Exists(fullPath) || IsLink(fullPath))
        {
            throw new CliUsageException($"--secret-file {fullPath} already exists; docmap never overwrites a secret file. Choose a new path or remove the old file first.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliUsageException($"--secret-file {fullPath}: the folder does not exist.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliUsageException($"--secret-file {fullPath}: permission denied.");
        }
        catch (IOException ex)
        {
            throw new CliUsageException($"--secret-file {fullPath} could not be created: {ex.Message}");
        }
    }

    /// <summary>Writes the secret (exactly the 64 characters, no newline) and closes the file.</summary>
    public void Write(string secret)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(SecretFile));
        stream.Write(Encoding.ASCII.GetBytes(secret));
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        _written = true;
    }

    /// <summary>Closes the file; removes it when no secret was written (the webhook was not created).</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_written)
        {
            try
            {
                File.Delete(FullPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static FileStream Open(string fullPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return OpenOnWindows(fullPath);
        }

        // O_CREAT | O_EXCL with mode 0600: fails on an existing file or link, and the file is never readable by
        // others, not even between its creation and a later chmod.
        return new FileStream(fullPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    [SupportedOSPlatform("windows")]
    private static FileStream OpenOnWindows(string fullPath)
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        var user = WindowsIdentity.GetCurrent().User ?? throw new UnauthorizedAccessException("The current user has no security identifier.");
        security.SetOwner(user);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(fullPath).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.ReadData, FileShare.None, 4096, FileOptions.None, security);
    }

    private static bool IsLink(string fullPath)
    {
        try
        {
            return new FileInfo(fullPath).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
