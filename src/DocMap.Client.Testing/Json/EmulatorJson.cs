using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Testing;

/// <summary>
/// The emulator's JSON settings: <see cref="EmulatorJsonContext"/>'s source-generated metadata with the relaxed
/// encoder, so text is written as JavaScript's <c>JSON.stringify</c> (what DocMap's servers run on) writes it: quotes,
/// apostrophes, <c>&lt;</c>, <c>&amp;</c> and non-ASCII characters as themselves, not as <c>\u0022</c> escapes. The
/// output is JSON for test clients, never embedded in HTML.
/// </summary>
internal static class EmulatorJson
{
    public static EmulatorJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
