using System.Net;

namespace DocMap.Client.Internal;

/// <summary>
/// The checks that a 2xx answer has the documented shape <c>{"data": ...}</c>, beside <see cref="DocMapErrorMapper"/>
/// (which maps non-2xx answers): an empty body, a body that is not the documented JSON, JSON <c>null</c> or
/// <c>{"data": null}</c>, and a list with a <c>null</c> element. Each failure is a <see cref="DocMapApiException"/> with the status, never a <see langword="null"/>
/// handed to the caller.
/// </summary>
internal static class DocMapResponseShape
{
    /// <summary>A 2xx with an empty body, where every call but DELETE expects <c>{"data": ...}</c> (Refit would hand back <see langword="null"/>).</summary>
    public static DocMapApiException? EmptySuccessBody(HttpResponseMessage response)
    {
        var request = response.RequestMessage;
        if (request is null || request.Method == HttpMethod.Delete || response.Content.Headers.ContentLength != 0)
        {
            return null;
        }

        var call = DocMapCall.Of(request);
        return new DocMapApiException(DocMapMessages.EmptySuccessBody(call, response.StatusCode), response.StatusCode, null, null, call.Method, call.Path, null, null);
    }

    /// <summary>A 2xx body the JSON reader refused; the parser's texts are masked before they reach the exception.</summary>
    public static DocMapApiException UnreadableJson(HttpResponseMessage response, Exception exception, ApiKeyRedactor redactor)
    {
        var call = DocMapCall.Of(response.RequestMessage);
        return new DocMapApiException(
            DocMapMessages.NotDocumentedJson(call, response.StatusCode, redactor.Redact(exception.Message)),
            response.StatusCode, null, null, call.Method, call.Path, null, redactor.SafeInner(exception));
    }

    /// <summary>
    /// Returns the envelope of a call, or throws when the body was JSON <c>null</c> or <c>{"data": null}</c>, or when
    /// <c>data</c> is a list with a <c>null</c> element (the JSON reader's nullability checks cover properties, not
    /// collection elements, and the list's element type promises non-null).
    /// </summary>
    public static async Task<DataEnvelope<T>> EnsureDataAsync<T>(Task<DataEnvelope<T>> call, string method, string path)
        where T : class
    {
        var envelope = await call.ConfigureAwait(false);
        if (envelope?.Data is null)
        {
            var described = new DocMapCall(method, path);
            throw new DocMapApiException(
                DocMapMessages.NullData(described, wholeBodyIsNull: envelope is null),
                HttpStatusCode.OK, null, null, method, path, null, null);
        }

        if (envelope.Data is IReadOnlyList<object?> items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is null)
                {
                    throw new DocMapApiException(
                        DocMapMessages.NullElement(new DocMapCall(method, path), i),
                        HttpStatusCode.OK, null, null, method, path, null, null);
                }
            }
        }

        return envelope;
    }
}
