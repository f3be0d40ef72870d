using System;
using System.Threading;

namespace DocMap.Client.Signatures;

/// <summary>
/// A small lock-free pool of <see cref="KeyedHmacSet"/>s: rent and return cost one or two interlocked operations and
/// allocate nothing once warm. At most about twice the processor count of sets are kept; extra ones are disposed.
/// </summary>
internal sealed class KeyedHmacPool
{
    private readonly byte[][] _keys;
    private readonly KeyedHmacSet?[] _items;
    private KeyedHmacSet? _first;

    public KeyedHmacPool(byte[][] keys)
    {
        _keys = keys;
        _items = new KeyedHmacSet?[Math.Max(1, (Environment.ProcessorCount * 2) - 1)];
    }

    public KeyedHmacSet Rent()
    {
        var item = _first;
        if (item is not null && Interlocked.CompareExchange(ref _first, null, item) == item)
        {
            return item;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            item = Volatile.Read(ref items[i]);
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        return new KeyedHmacSet(_keys);
    }

    public void Return(KeyedHmacSet item)
    {
        if (_first is null && Interlocked.CompareExchange(ref _first, item, null) is null)
        {
            return;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            if (Volatile.Read(ref items[i]) is null && Interlocked.CompareExchange(ref items[i], item, null) is null)
            {
                return;
            }
        }

        item.Dispose();
    }
}
