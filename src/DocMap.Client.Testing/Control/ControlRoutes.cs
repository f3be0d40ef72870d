using System.Globalization;
using System.Reflection;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DocMap.Client.Testing;

/// <summary>
/// The control API under <c>/_emulator/</c> (docs/emulator.md has the reference): what a test suite in any language
/// uses to register webhooks with a known secret, trigger deliveries, read the logs, inject faults and reset. Guarded
/// by the emulator's key like the API; its own calls are not recorded in the request log (which is the log of the
/// DocMap API traffic under test).
/// </summary>
internal sealed class ControlRoutes(
    DocMapEmulator emulator,
    EmulatorSettings settings,
    EmulatorState state,
    FaultQueue faults,
    BearerKey key,
    ApiRoutes api)
{
    private const int DefaultLogLimit = 100;
    private const int MaxLogLimit = 1000;
    private const string Prefix = "/_emulator";

    private static readonly string Version = ReadVersion();

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.Map(Prefix, context => Guarded(context, "GET", _ => ValueTask.FromResult(Info())));
        routes.Map(Prefix + "/webhooks", context => Guarded(context, "POST", RegisterWebhookAsync));
        routes.Map(Prefix + "/trigger", context => Guarded(context, "POST", TriggerAsync));
        routes.Map(Prefix + "/deliveries", context => Guarded(context, "GET", c => ValueTask.FromResult(Deliveries(c.Request))));
        routes.Map(Prefix + "/requests", context => Guarded(context, "GET", c => ValueTask.FromResult(Requests(c.Request))));
        routes.Map(Prefix + "/faults", context => Guarded(context, "POST", InjectFaultAsync));
        routes.Map(Prefix + "/reset", context => Guarded(context, "POST", _ => ValueTask.FromResult(Reset())));
        routes.Map(Prefix + "/{**rest}", context => Guarded(context, method: null, _ => ValueTask.FromResult(NoSuchCall(context.Request))));
    }

    private async Task Guarded(HttpContext context, string? method, Func<HttpContext, ValueTask<Reply>> handler)
    {
        Reply reply;
        if (!key.IsAuthorized(context.Request))
        {
            reply = Reply.Unauthorized(); // the body, if any, is never read
        }
        else if (method is null || !string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            reply = NoSuchCall(context.Request);
        }
        else
        {
            try
            {
                reply = await handler(context).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                context.Abort(); // the emulator is shutting down: nothing answers
                return;
            }
            catch (InvalidOperationException ex)
            {
                reply = Reply.Error(500, DocMapErrorCodes.InternalError, ex.Message); // the emulator's own messages
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // For example a DeliveryHandlerFactory that threw: a 500 in the envelope, never a bare reset.
                reply = Reply.Error(500, DocMapErrorCodes.InternalError, $"The emulator could not handle the request ({ex.GetType().Name}).");
            }
        }

        await reply.WriteAsync(context).ConfigureAwait(false);
    }

    private static Reply NoSuchCall(HttpRequest request) =>
        Reply.NotFound($"No emulator call at {request.Method.ToUpperInvariant()} {request.Path}; see GET {Prefix}.");

    private Reply Info() => Reply.Data(
        new EmulatorInfoDto
        {
            Name = "docmap-emulator",
            Version = Version,
            Url = emulator.Url.ToString(),
            UserId = state.UserId,
            Signature = settings.Signature.ToDto(),
        },
        EmulatorJson.Context.DataEnvelopeDtoEmulatorInfoDto);

    private async ValueTask<Reply> RegisterWebhookAsync(HttpContext context)
    {
        var (body, unreadable) = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        if (unreadable is { } failure)
        {
            return failure;
        }

        var input = WebhookInput.Parse(body, EmulatorJson.Context.CreateWebhookRequestDto, out var invalid);
        if (input is null)
        {
            return invalid!.Value;
        }

        if (WebhookInput.ValidateUrl(input.Url) is { } urlError)
        {
            return Reply.Validation(urlError);
        }

        var events = WebhookInput.ValidateEvents(input.Events, required: false, out var eventsError);
        if (events is null)
        {
            return Reply.Validation(eventsError!);
        }

        WebhookSecret? secret = null;
        if (input.Secret is not null && !WebhookSecret.TryParse(input.Secret, out secret))
        {
            return Reply.Validation("secret must be exactly 64 hexadecimal characters.");
        }

        return api.Created(state.TryAddWebhook(input.Url!, events, secret, input.Secret));
    }

    private async ValueTask<Reply> TriggerAsync(HttpContext context)
    {
        var (body, unreadable) = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        if (unreadable is { } failure)
        {
            return failure;
        }

        var input = WebhookInput.Parse(body, EmulatorJson.Context.TriggerRequestDto, out var invalid);
        if (input is null)
        {
            return invalid!.Value;
        }

        if (string.IsNullOrEmpty(input.Event) || !new WebhookEventType(input.Event).IsKnown)
        {
            return Reply.Validation("event must be extraction.completed or extraction.failed.");
        }

        if (input.ExtractionId is { Length: 0 })
        {
            return Reply.Validation("extractionId cannot be empty.");
        }

        var eventType = new WebhookEventType(input.Event);
        WebhookState[] targets;
        if (input.WebhookId is { } webhookId)
        {
            var webhook = state.FindWebhook(webhookId);
            if (webhook is null)
            {
                return Reply.NotFound("Webhook not found.");
            }

            if (!webhook.IsSubscribedTo(eventType.Value!))
            {
                return Reply.Validation($"The webhook is not subscribed to {eventType.Value}.");
            }

            targets = [webhook];
        }
        else
        {
            targets = state.SubscribersOf(eventType.Value!);
        }

        var payload = DeliveryPayload.FromJson(eventType, input.ExtractionId, input.Data, state.UserId, DateTimeOffset.UtcNow, out var dataError);
        if (payload is null)
        {
            return Reply.Validation(dataError!);
        }

        // Not tied to the caller's connection: like DocMap's, an attempt that started runs to its end (each bounded by
        // the delivery timeout) and is logged, even if the caller hangs up.
        var results = await emulator.Dispatcher.DeliverAsync(targets, eventType, payload, CancellationToken.None).ConfigureAwait(false);
        var deliveries = new DeliveryDto[results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            var r = results[i];
            deliveries[i] = new DeliveryDto
            {
                Id = r.Id,
                UserId = state.UserId,
                WebhookId = r.WebhookId,
                ExtractionId = r.ExtractionId,
                Event = r.Event.Value!,
                Url = r.Url,
                Status = r.Succeeded ? "success" : "failed",
                HttpStatus = r.HttpStatus,
                Error = r.Error,
                DurationMs = (long)r.Duration.TotalMilliseconds,
                CreatedAt = EmulatorFormat.Timestamp(r.CreatedAt),
            };
        }

        return Reply.Data(new TriggerResultDto { Deliveries = deliveries }, EmulatorJson.Context.DataEnvelopeDtoTriggerResultDto);
    }

    private Reply Deliveries(HttpRequest request)
    {
        if (!QueryLimit.TryRead(request.Query, DefaultLogLimit, MaxLogLimit, out var limit, out var error))
        {
            return Reply.Validation(error!);
        }

        var records = state.NewestDeliveries(webhookId: null, limit);
        var list = new LoggedDeliveryDto[records.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = records[i].ToLoggedDto();
        }

        return Reply.Data<IReadOnlyList<LoggedDeliveryDto>>(list, EmulatorJson.Context.DataEnvelopeDtoIReadOnlyListLoggedDeliveryDto);
    }

    private Reply Requests(HttpRequest request)
    {
        if (!QueryLimit.TryRead(request.Query, DefaultLogLimit, MaxLogLimit, out var limit, out var error))
        {
            return Reply.Validation(error!);
        }

        var requests = state.NewestRequests(limit);
        var list = new LoggedRequestDto[requests.Count];
        for (var i = 0; i < list.Length; i++)
        {
            var r = requests[i];
            list[i] = new LoggedRequestDto
            {
                Method = r.Method,
                Path = r.Path,
                StatusCode = r.StatusCode,
                ReceivedAt = EmulatorFormat.Timestamp(r.ReceivedAt),
                Body = r.Body,
                BodyTruncated = r.BodyTruncated,
            };
        }

        return Reply.Data<IReadOnlyList<LoggedRequestDto>>(list, EmulatorJson.Context.DataEnvelopeDtoIReadOnlyListLoggedRequestDto);
    }

    private async ValueTask<Reply> InjectFaultAsync(HttpContext context)
    {
        var (body, unreadable) = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        if (unreadable is { } failure)
        {
            return failure;
        }

        var input = WebhookInput.Parse(body, EmulatorJson.Context.FaultRequestDto, out var invalid);
        if (input is null)
        {
            return invalid!.Value;
        }

        if (!EndpointNames.TryParse(input.Endpoint, out var endpoint))
        {
            return Reply.Validation("endpoint must be one of createWebhook, listWebhooks, deleteWebhook, listDeliveries.");
        }

        if (input.Count is not { } count)
        {
            return Reply.Validation("count is required (how many calls fail, at least 1).");
        }

        if (input.Status is not { } status)
        {
            return Reply.Validation("status is required (400 to 599).");
        }

        TimeSpan? retryAfter = input.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        if (FaultQueue.Validate(endpoint, count, status, retryAfter, input.ErrorCode) is { } problem)
        {
            var name = problem.Name switch
            {
                "statusCode" => "status",
                "retryAfter" => "retryAfterSeconds",
                _ => problem.Name,
            };
            return Reply.Validation($"{name}: {problem.Message}");
        }

        var remaining = faults.Add(endpoint, count, status, retryAfter, input.ErrorCode);
        return Reply.Data(
            new FaultResultDto { Endpoint = EndpointNames.ToName(endpoint), Remaining = remaining },
            EmulatorJson.Context.DataEnvelopeDtoFaultResultDto);
    }

    private Reply Reset()
    {
        emulator.Reset();
        return Reply.Data(new ResetResultDto(), EmulatorJson.Context.DataEnvelopeDtoResetResultDto);
    }

    private static string ReadVersion()
    {
        var informational = typeof(DocMapEmulator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(DocMapEmulator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
