using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's accept seam: a verified delivery's dedupe key is computed from signed content only, the delivery is
/// recorded with <see cref="IDocMapWebhookInboxStore.TryAcceptAsync"/> within <see cref="DocMapWebhookInboxOptions.AcceptTimeout"/>,
/// and the sender gets 200 (accepted or duplicate) only once the store has answered; 503 when it failed or did not answer.
/// </summary>
internal sealed class InboxAcceptor
{
    private readonly IDocMapWebhookInboxStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly InboxWakeSignal _wake;
    private readonly InboxCounters _counters;
    private readonly InboxDeadlines _deadlines;
    private readonly ILogger _logger;

    public InboxAcceptor(
        IDocMapWebhookInboxStore store,
        IOptions<DocMapWebhookInboxOptions> options,
        TimeProvider time,
        InboxWakeSignal wake,
        InboxCounters counters,
        InboxDeadlines deadlines,
        ILoggerFactory loggerFactory)
    {
        _store = store;
        _time = time;
        _timeout = options.Value.AcceptTimeout;
        _wake = wake;
        _counters = counters;
        _deadlines = deadlines;
        _logger = loggerFactory.CreateLogger(InboxLog.Category);
    }

    /// <summary>Builds the message of a verified delivery to <paramref name="endpoint"/> (its route pattern).</summary>
    public InboxMessage CreateMessage(DocMapWebhookFeature feature, string endpoint)
    {
        var webhookEvent = feature.Event;
        var body = feature.Body;
        return new InboxMessage
        {
            Id = InboxMessageIds.ForDelivery(webhookEvent, body),
            Kind = InboxMessageKind.Delivery,
            Endpoint = endpoint,
            EventType = webhookEvent.Type.Value ?? string.Empty,
            ExtractionId = webhookEvent.ExtractionId,
            Body = body.ToArray(),
            AcceptedAt = _time.GetUtcNow(),
            TraceParent = InboxTelemetry.CurrentTraceParent(),
        };
    }

    /// <summary>Records the verified delivery of <paramref name="context"/> and answers it.</summary>
    /// <remarks>
    /// The delivery's <c>ReceiveWebhook</c> span is current while the store records it, so the message's
    /// <see cref="InboxMessage.TraceParent"/> names that span and the attempts' spans link to it; the delivery ends with
    /// outcome verified (accepted), duplicate, unavailable (503) or aborted.
    /// </remarks>
    public async Task AcceptAsync(HttpContext context, DocMapWebhookFeature feature, string endpoint)
    {
        var delivery = feature.Delivery;
        delivery?.StartAccept();
        var message = CreateMessage(feature, endpoint);
        bool accepted;
        var deadline = _deadlines.After(_timeout);
        try
        {
            // The store gets a token that fires at the timeout; WaitAsync bounds the wait even for a store that ignores it.
            var pending = _store.TryAcceptAsync(message, deadline);
            accepted = pending.IsCompleted ? await pending.ConfigureAwait(false) : await InboxStoreCalls.WaitAsync(pending, deadline).ConfigureAwait(false);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The sender went away; the outcome is unknown (the store may still record the delivery).
            DocMapWebhookLog.ClientDisconnected(_logger, context.Connection.RemoteIpAddress);
            delivery?.End(DocMapWebhookOutcomes.Aborted);
            return;
        }
        catch (Exception ex)
        {
            _counters.AddUnavailable();
            delivery?.End(DocMapWebhookOutcomes.Unavailable, errorType: deadline.IsCancellationRequested ? InboxTelemetry.TimeoutErrorType : ex.GetType().FullName);
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                var problem = deadline.IsCancellationRequested
                    ? $"no answer within AcceptTimeout ({_timeout})"
                    : $"{ex.GetType().FullName}: {InboxFailures.Describe(ex.Message)}";
                InboxLog.StoreUnavailable(_logger, EventType(message), WebhookLogValue.Escape(message.ExtractionId), message.Id, problem);
            }

            await DocMapWebhookResponses.InboxUnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        if (accepted)
        {
            _counters.AddAccepted();
            delivery?.End(DocMapWebhookOutcomes.Verified);
            _wake.Notify();
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                InboxLog.Accepted(_logger, EventType(message), WebhookLogValue.Escape(message.ExtractionId), message.Id, endpoint);
            }

            await DocMapWebhookResponses.InboxAcceptedAsync(context).ConfigureAwait(false);
            return;
        }

        _counters.AddDuplicate();
        delivery?.End(DocMapWebhookOutcomes.Duplicate);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            InboxLog.Duplicate(_logger, EventType(message), WebhookLogValue.Escape(message.ExtractionId), message.Id);
        }

        await DocMapWebhookResponses.InboxDuplicateAsync(context).ConfigureAwait(false);
    }

    private static string EventType(InboxMessage message) => message.EventType.Length == 0 ? "(no type)" : WebhookLogValue.Escape(message.EventType)!;
}
