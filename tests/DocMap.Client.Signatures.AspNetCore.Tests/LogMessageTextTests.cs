using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Internal;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>Event 4004 reads as one sentence for every reason a verified body can be refused.</summary>
public sealed class LogMessageTextTests
{
    public static TheoryData<byte[], string> RefusedBodies() => new()
    {
        { "[1,2]"u8.ToArray(), "the webhook body must be a JSON object, not an array" },
        { "\"text\""u8.ToArray(), "the webhook body must be a JSON object, not a string" },
        { "42"u8.ToArray(), "the webhook body must be a JSON object, not a number" },
        { "<xml/>"u8.ToArray(), "the webhook body is not valid JSON (line 1, byte 1)" },
        { [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D], "the webhook body is not valid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task A_verified_body_that_is_not_an_event_is_logged_as_one_sentence(byte[] body, string clause)
    {
        var secretText = Deliveries.NewSecretText();
        var secret = WebhookSecret.Parse(secretText);
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(secretText), MapDocMapWebhooksTests.MapDelegate);

        using (var response = await host.Client.SendAsync(Deliveries.Signed(body, secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        }

        var logged = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4004);
        Assert.Equal(
            $"Rejected DocMap webhook from 127.0.0.1 with 400: the signature verified but {clause} (Content-Length {body.Length}, {body.Length} bytes, key {secret.Fingerprint})",
            logged.Message);
    }

    [Theory]
    [InlineData("The webhook body is not valid UTF-8.", "the webhook body is not valid UTF-8")]
    [InlineData("JSON could not be read.", "JSON could not be read")]
    [InlineData("UTF-8 bytes were invalid.", "UTF-8 bytes were invalid")]
    [InlineData("A body of the wrong kind.", "a body of the wrong kind")]
    [InlineData("the body could not be parsed (InvalidOperationException)", "the body could not be parsed (InvalidOperationException)")]
    public void A_problem_sentence_becomes_a_clause(string sentence, string clause)
    {
        Assert.Equal(clause, DocMapWebhookLog.AsClause(sentence));
    }

    [Fact]
    public void Every_message_the_parser_can_give_the_receiver_is_a_sentence_the_clause_rule_fits()
    {
        // The receiver passes the body as bytes; these are all of WebhookEvent.Parse(bytes)'s messages.
        var bodies = new[] { "[]", "\"x\"", "1", "true", "null", "{", "" }.Select(Encoding.UTF8.GetBytes).Append([0xFF]);
        foreach (var body in bodies)
        {
            var error = Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(body));
            Assert.StartsWith("The webhook body ", error.Message, StringComparison.Ordinal);
            Assert.StartsWith("the webhook body ", DocMapWebhookLog.AsClause(error.Message), StringComparison.Ordinal);
            Assert.DoesNotContain(".", DocMapWebhookLog.AsClause(error.Message).Replace("UTF-8", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }
}
