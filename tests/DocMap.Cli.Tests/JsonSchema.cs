using System.Text.Json;

namespace DocMap.Cli.Tests;

/// <summary>
/// The documented JSON schema of <c>--json</c> (docs/cli.md), checked member by member: exactly these names, with
/// these kinds. A renamed or dropped member fails here before it breaks someone's script.
/// </summary>
internal static class JsonSchema
{
    public static void AssertExactly(JsonElement element, params string[] names)
    {
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        Assert.Equal(names.Order(StringComparer.Ordinal), element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    public static void AssertWebhook(JsonElement webhook)
    {
        AssertExactly(webhook, "id", "userId", "url", "events", "active", "createdAt");
        Assert.Equal(JsonValueKind.String, webhook.GetProperty("id").ValueKind);
        Assert.Equal(JsonValueKind.String, webhook.GetProperty("userId").ValueKind);
        Assert.Equal(JsonValueKind.String, webhook.GetProperty("url").ValueKind);
        Assert.Equal(JsonValueKind.Array, webhook.GetProperty("events").ValueKind);
        Assert.All(webhook.GetProperty("events").EnumerateArray(), e => Assert.Equal(JsonValueKind.String, e.ValueKind));
        Assert.True(webhook.GetProperty("active").ValueKind is JsonValueKind.True or JsonValueKind.False);
        AssertTimestamp(webhook.GetProperty("createdAt"));
    }

    public static void AssertCreatedWebhook(JsonElement created)
    {
        AssertExactly(created, "webhook", "secret", "secretFile");
        AssertWebhook(created.GetProperty("webhook"));
        Assert.True(created.GetProperty("secret").ValueKind is JsonValueKind.String or JsonValueKind.Null);
        Assert.True(created.GetProperty("secretFile").ValueKind is JsonValueKind.String or JsonValueKind.Null);
    }

    public static void AssertDelivery(JsonElement delivery)
    {
        AssertExactly(delivery, "id", "userId", "webhookId", "extractionId", "event", "url", "status", "httpStatus", "error", "durationMs", "createdAt");
        foreach (var name in new[] { "id", "userId", "webhookId", "extractionId", "event", "url", "status" })
        {
            Assert.Equal(JsonValueKind.String, delivery.GetProperty(name).ValueKind);
        }

        Assert.Contains(delivery.GetProperty("status").GetString(), new[] { "success", "failed" });
        Assert.True(delivery.GetProperty("httpStatus").ValueKind is JsonValueKind.Number or JsonValueKind.Null);
        Assert.True(delivery.GetProperty("error").ValueKind is JsonValueKind.String or JsonValueKind.Null);
        Assert.Equal(JsonValueKind.Number, delivery.GetProperty("durationMs").ValueKind);
        AssertTimestamp(delivery.GetProperty("createdAt"));
    }

    public static void AssertTriggeredDelivery(JsonElement delivery)
    {
        AssertExactly(delivery, "id", "webhookId", "extractionId", "event", "url", "status", "httpStatus", "error", "durationMs", "createdAt");
        Assert.True(delivery.GetProperty("httpStatus").ValueKind is JsonValueKind.Number or JsonValueKind.Null);
        AssertTimestamp(delivery.GetProperty("createdAt"));
    }

    public static void AssertTimestamp(JsonElement value)
    {
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", value.GetString());
    }

    public static void AssertError(JsonElement document, string kind)
    {
        AssertExactly(document, "error");
        var error = document.GetProperty("error");
        AssertExactly(error, "kind", "message", "status", "code", "method", "path");
        Assert.Equal(kind, error.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }
}
