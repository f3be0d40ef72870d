using DocMap.Cli.Infrastructure;
using DocMap.Client.Signatures;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary><c>webhooks create --secret-file</c>: owner-only, exclusive, created before the webhook.</summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("docmap-cli-secret-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_secret_goes_to_a_new_owner_only_file_and_is_not_printed()
    {
        await using var emulator = DocMapEmulator.Start();
        var path = Path.Combine(_folder, "secret");

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", path);

        Assert.Equal(0, run.ExitCode);
        var secret = await File.ReadAllTextAsync(path);
        Assert.True(WebhookSecret.TryParse(secret, out _), "the file holds exactly the 64 hex characters, no newline");
        Assert.DoesNotContain(secret, run.All, StringComparison.Ordinal);
        Assert.Contains(path, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("readable only by you", run.Stderr, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        // The file's secret is the webhook's: a delivery signed by the emulator verifies with it.
        Assert.Single((await emulator.CreateClient().ListWebhooksAsync()).Data);
    }

    [Fact]
    public async Task With_json_the_path_is_reported_and_the_secret_is_null()
    {
        await using var emulator = DocMapEmulator.Start();
        var path = Path.Combine(_folder, "secret.txt");

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", path, "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json();
        JsonSchema.AssertCreatedWebhook(json);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("secret").ValueKind);
        Assert.Equal(Path.GetFullPath(path), json.GetProperty("secretFile").GetString());
        Assert.DoesNotContain(await File.ReadAllTextAsync(path), run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_file_is_never_overwritten_and_no_webhook_is_created()
    {
        await using var emulator = DocMapEmulator.Start();
        var path = Path.Combine(_folder, "existing");
        await File.WriteAllTextAsync(path, "keep me");

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", path);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("already exists", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("never overwrites", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task A_symbolic_link_at_the_path_is_not_followed()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // creating links needs a privilege there
        }

        await using var emulator = DocMapEmulator.Start();
        var target = Path.Combine(_folder, "target");
        var link = Path.Combine(_folder, "link");
        File.CreateSymbolicLink(link, target); // dangling: the target does not exist

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", link);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("already exists", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task A_missing_folder_is_a_usage_error_before_any_request()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", Path.Combine(_folder, "no", "such", "secret"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("the folder does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task When_DocMap_refuses_the_empty_file_is_removed()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.FailNext(DocMapEndpoint.CreateWebhook, 1, System.Net.HttpStatusCode.BadRequest, errorCode: "MAX_WEBHOOKS_REACHED");
        var path = Path.Combine(_folder, "secret");

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--secret-file", path);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("MAX_WEBHOOKS_REACHED", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(path), "a failed create leaves no file behind, so the same command can be run again");
    }
}
