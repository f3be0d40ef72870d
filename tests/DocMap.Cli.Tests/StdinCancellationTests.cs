using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// <c>sign</c> / <c>verify</c> reading the body from standard input stop on Ctrl+C or SIGTERM (exit 130), even though a
/// console stream's read does not observe cancellation: a pipe that never ends must not make the process ignore
/// SIGTERM, and an end of input that arrives after Ctrl+C must not produce a signature of a truncated body.
/// The streams here behave as .NET's console stream does on Unix: a pending read ignores the cancellation token.
/// </summary>
public sealed class StdinCancellationTests
{
    private static readonly string Secret = new('c', 64);

    /// <summary>Standard input whose reads ignore the token: the first returns <paramref name="first"/> (if any), the next waits for <see cref="Release"/>.</summary>
    private sealed class UncancellableInput(byte[]? first) : Stream
    {
        private bool _firstGiven = first is null;

        public TaskCompletionSource PendingRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completing it ends the pending read with end of input.</summary>
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_firstGiven)
            {
                _firstGiven = true;
                first.CopyTo(buffer);
                return first!.Length;
            }

            PendingRead.TrySetResult();
            await Release.Task; // deliberately not observing cancellationToken
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static (CliHost Host, StringWriter Output, StringWriter Error) HostOver(Stream input)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var host = new CliHost(output, error, () => input, name => name == "DOCMAP_WEBHOOK_SECRET" ? Secret : null, isInputRedirected: true);
        return (host, output, error);
    }

    [Theory]
    [InlineData("sign")]
    [InlineData("verify")]
    public async Task A_never_ending_standard_input_is_abandoned_on_cancellation_with_exit_130(string command)
    {
        var input = new UncancellableInput(first: null);
        var (host, output, error) = HostOver(input);
        using var interrupt = new CancellationTokenSource();
        string[] args = command == "sign" ? ["sign"] : ["verify", "--signature", new string('0', 64)];

        var running = CliApp.RunAsync(args, host, interrupt.Token);
        await input.PendingRead.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await interrupt.CancelAsync();
        var exit = await running.WaitAsync(TimeSpan.FromSeconds(30)); // before the fix: never returns

        Assert.Equal(ExitCodes.Cancelled, exit);
        Assert.Empty(output.ToString());
        Assert.Contains("Cancelled.", error.ToString(), StringComparison.Ordinal);
        input.Release.TrySetResult();
    }

    [Fact]
    public async Task An_end_of_input_after_ctrl_c_does_not_sign_the_truncated_body()
    {
        var input = new UncancellableInput(first: "{\"event\":"u8.ToArray());
        var (host, output, _) = HostOver(input);
        using var interrupt = new CancellationTokenSource();

        var running = CliApp.RunAsync(["sign"], host, interrupt.Token);
        await input.PendingRead.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await interrupt.CancelAsync();
        input.Release.TrySetResult(); // the writer side closes after Ctrl+C reached the whole pipeline
        var exit = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Cancelled, exit);
        Assert.Empty(output.ToString());
    }
}
