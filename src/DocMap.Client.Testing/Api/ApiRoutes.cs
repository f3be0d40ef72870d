using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace DocMap.Client.Testing;

/// <summary>
/// DocMap's documented webhooks API under <c>/v1/</c>: create, list, delete, delivery log. Every request is recorded
/// in the request log (headers never; bodies only of authenticated requests, cut past the configured size).
/// Order per request, as DocMap behaves and the emulator always did: an injected fault answers first, then the
/// API key is checked (401), then the call runs.
/// </summary>
internal sealed class ApiRoutes(EmulatorSettings settings, EmulatorState state, FaultQueue faults, BearerKey key)
{
    private const int DefaultDeliveryLimit = 50;
    private const int MaxDeliveryLimit = 100;

    public void Map(IEndpointRouteBuilder routes)
    {
        // Routes carry no HTTP-method metadata: routing would answer a wrong method with its own bare 405, while DocMap
        // (and this emulator) answers 404 NOT_FOUND in its envelope.
        routes.Map("/v1/webhooks", context => context.Request.Method switch
        {
            "POST" => HandleAsync(context, DocMapEndpoint.CreateWebhook),
            "GET" => HandleAsync(context, DocMapEndpoint.ListWebhooks),
            _ => HandleAsync(context, null),
        });
        routes.Map("/v1/webhooks/deliveries", context => context.Request.Method switch
        {
            "GET" => HandleAsync(context, DocMapEndpoint.ListDeliveries),
            "DELETE" => HandleAsync(context, DocMapEndpoint.DeleteWebhook), // a webhook whose id is "deliveries": 404
            _ => HandleAsync(context, null),
        });
        routes.Map("/v1/webhooks/{id}", context => context.Request.Method switch
        {
            "DELETE" => HandleAsync(context, DocMapEndpoint.DeleteWebhook),
            _ => HandleAsync(context, null),
        });
    }

    /// <summary>Answers a request no route matched: 404 <c>NOT_FOUND</c>, recorded with no endpoint.</summary>
    public Task NotFoundAsync(HttpContext context) => HandleAsync(context, null);

    private async Task HandleAsync(HttpContext context, DocMapEndpoint? endpoint)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var request = context.Request;
        var authorized = key.IsAuthorized(request);
        byte[] body = [];
        Reply? unreadable = null;
        if (authorized)
        {
            // Read only with the key: a sender without it never gets a buffer (nor a place in the log) for its body.
            (body, unreadable) = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        }

        Reply reply;
        if (endpoint is { } known && faults.TryTake(known) is { } fault)
        {
            reply = Reply.Error(fault.Status, fault.Code, FaultQueue.DefaultMessage(fault.Status, fault.RetryAfter), fault.RetryAfter);
        }
        else if (endpoint is null)
        {
            reply = Reply.NotFound($"No DocMap endpoint at {request.Method.ToUpperInvariant()} {request.Path}.");
        }
        else if (!authorized)
        {
            reply = Reply.Unauthorized();
        }
        else if (unreadable is { } failure)
        {
            reply = failure;
        }
        else
        {
            try
            {
                reply = endpoint switch
                {
                    DocMapEndpoint.CreateWebhook => CreateWebhook(body),
                    DocMapEndpoint.ListWebhooks => ListWebhooks(),
                    DocMapEndpoint.DeleteWebhook => DeleteWebhook(context),
                    _ => ListDeliveries(request),
                };
            }
            catch (InvalidOperationException ex)
            {
                reply = Reply.Error(500, DocMapErrorCodes.InternalError, ex.Message); // the emulator's own messages
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reply = Reply.Error(500, DocMapErrorCodes.InternalError, $"The emulator could not handle the request ({ex.GetType().Name}).");
            }
        }

        var logged = body.Length == 0 ? (LoggedText?)null : LoggedText.From(body, settings.MaxLoggedBodyBytes);
        state.AddRequest(new ReceivedRequest(
            endpoint,
            request.Method.ToUpperInvariant(),
            RequestTarget(context),
            logged?.Text,
            logged?.Truncated ?? false,
            reply.Status,
            receivedAt));
        await reply.WriteAsync(context).ConfigureAwait(false);
    }

    /// <summary>The path and query as received (Kestrel bounds the request line at 8 KiB).</summary>
    private static string RequestTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return raw is { Length: > 0 } && raw[0] == '/'
            ? raw
            : context.Request.Path.Value + context.Request.QueryString.Value;
    }

    private Reply CreateWebhook(byte[] body)
    {
        var input = WebhookInput.Parse(body, EmulatorJson.Context.CreateWebhookRequestDto, out var failure);
        if (input is null)
        {
            return failure!.Value;
        }

        if (WebhookInput.ValidateUrl(input.Url) is { } urlError)
        {
            return Reply.Validation(urlError);
        }

        var events = WebhookInput.ValidateEvents(input.Events, required: true, out var eventsError);
        if (events is null)
        {
            return Reply.Validation(eventsError!);
        }

        // DocMap's API takes no secret: a "secret" member is ignored here (POST /_emulator/webhooks accepts one).
        return Created(state.TryAddWebhook(input.Url!, events, secret: null, secretText: null));
    }

    /// <summary>The answer to a create call: the secret once and the webhook, or 400 <c>MAX_WEBHOOKS_REACHED</c>.</summary>
    internal Reply Created((WebhookState Webhook, string? SecretText)? added)
    {
        if (added is not { } result)
        {
            return Reply.Error(
                400,
                DocMapErrorCodes.MaxWebhooksReached,
                $"You can have at most {DocMapEmulator.MaxActiveWebhooks.ToString(CultureInfo.InvariantCulture)} active webhooks.");
        }

        return Reply.Data(
            new CreateWebhookResultDto { Secret = result.SecretText!, Webhook = result.Webhook.ToDto(state.UserId) },
            EmulatorJson.Context.DataEnvelopeDtoCreateWebhookResultDto);
    }

    private Reply ListWebhooks() =>
        Reply.Data<IReadOnlyList<WebhookDto>>(state.ListWebhooks(), EmulatorJson.Context.DataEnvelopeDtoIReadOnlyListWebhookDto);

    private Reply DeleteWebhook(HttpContext context)
    {
        var id = context.Request.RouteValues.TryGetValue("id", out var value) && value is string text ? text : "deliveries";
        return state.RemoveWebhook(id)
            ? Reply.Ok(new SuccessDto(), EmulatorJson.Context.SuccessDto)
            : Reply.NotFound("Webhook not found.");
    }

    private Reply ListDeliveries(HttpRequest request)
    {
        if (!QueryLimit.TryRead(request.Query, DefaultDeliveryLimit, MaxDeliveryLimit, out var limit, out var error))
        {
            return Reply.Validation(error!);
        }

        string? webhookId = null;
        if (request.Query.TryGetValue("webhookId", out var ids))
        {
            if (ids.Count != 1)
            {
                return Reply.Validation("webhookId may be given once.");
            }

            webhookId = string.IsNullOrEmpty(ids[0]) ? null : ids[0];
        }

        var records = state.NewestDeliveries(webhookId, limit);
        var list = new DeliveryDto[records.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = records[i].Entry;
        }

        return Reply.Data<IReadOnlyList<DeliveryDto>>(list, EmulatorJson.Context.DataEnvelopeDtoIReadOnlyListDeliveryDto);
    }
}
