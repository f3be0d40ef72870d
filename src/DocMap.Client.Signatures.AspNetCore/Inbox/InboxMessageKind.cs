namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>What an inbox message stands for.</summary>
public enum InboxMessageKind
{
    /// <summary>A verified delivery DocMap POSTed to the endpoint; its body is the request body.</summary>
    Delivery = 0,

    /// <summary>A delivery DocMap's log shows as failed that never reached the inbox; its body is the log record as JSON.</summary>
    MissedDelivery = 1,
}
