using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>IDocMapWebhookInbox: stats, dead letters (list, inspect), re-queue.</summary>
public sealed class InboxManagementTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    public sealed class Switch
    {
        public volatile bool Fail = true;
    }

    [Fact]
    public async Task Dead_letters_can_be_counted_listed_inspected_with_their_body_and_requeued_to_run_again()
    {
        var failing = new Switch();
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app => app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) =>
            {
                recorder.Events.Enqueue(webhook);
                if (failing.Fail && webhook.ExtractionId!.StartsWith("ext_dead", StringComparison.Ordinal))
                {
                    throw new TimeoutException($"the invoice service timed out for {webhook.ExtractionId}");
                }
            }),
            o => o.MaxAttempts = 1);
        var inbox = host.Inbox();
        Assert.Equal(0, (await inbox.GetStatsAsync()).DeadLettered);

        foreach (var id in new[] { "ext_dead1", "ext_dead2", "ext_fine" })
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body(id), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            // Settled (not only run) before the next is sent: the dead letters' order below is the order they were settled in.
            await host.Store().WaitForAsync(id, r => r.State is InboxMessageState.DeadLettered or InboxMessageState.Completed, $"{id} is settled");
        }

        await Eventually.TrueAsync(async () => (await inbox.GetStatsAsync()).DeadLettered == 2, "two dead letters");
        var stats = await inbox.GetStatsAsync();
        Assert.Equal(0, stats.Queued);
        Assert.Equal(0, stats.Running);

        var deadLetters = await inbox.ListDeadLettersAsync();
        Assert.Equal(["ext_dead2", "ext_dead1"], deadLetters.Select(r => r.Message.ExtractionId!).ToArray()); // newest first
        Assert.Single(await inbox.ListDeadLettersAsync(limit: 1));
        var listed = deadLetters[1];
        Assert.Equal(Deliveries.Body("ext_dead1"), listed.Message.Body.ToArray());

        var inspected = await inbox.GetAsync(listed.Message.Id);
        Assert.NotNull(inspected);
        Assert.Equal(InboxMessageState.DeadLettered, inspected.State);
        Assert.Equal(1, inspected.Attempts);
        Assert.Equal("System.TimeoutException", inspected.LastFailure!.ExceptionType);
        Assert.Equal("the invoice service timed out for ext_dead1", inspected.LastFailure.Message);
        Assert.Equal(Deliveries.Body("ext_dead1"), inspected.Message.Body.ToArray());
        Assert.Null(await inbox.GetAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_never")!));
        Assert.Equal(InboxMessageState.Completed, (await inbox.GetAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_fine")!))!.State);

        // The cause is fixed: re-queue one; it runs at once and completes.
        failing.Fail = false;
        Assert.True(await inbox.RequeueAsync(listed.Message.Id));
        await Eventually.TrueAsync(async () => (await inbox.GetAsync(listed.Message.Id))!.State == InboxMessageState.Completed, "the re-queued message completes");
        Assert.Equal(2, host.Recorder.Events.Count(e => e.ExtractionId == "ext_dead1"));
        Assert.Equal(1, (await inbox.GetStatsAsync()).DeadLettered);
        Assert.False(await inbox.RequeueAsync(listed.Message.Id)); // no longer a dead letter
        Assert.False(await inbox.RequeueAsync("ev:unknown"));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_naming_the_parameter()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording);
        var inbox = host.Inbox();

        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => inbox.ListDeadLettersAsync(0))).ParamName);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => inbox.ListDeadLettersAsync(IDocMapWebhookInbox.MaxListLimit + 1))).ParamName);
        Assert.Equal("id", (await Assert.ThrowsAsync<ArgumentException>(() => inbox.GetAsync(""))).ParamName);
        Assert.Equal("id", (await Assert.ThrowsAsync<ArgumentNullException>(() => inbox.RequeueAsync(null!))).ParamName);
    }
}
