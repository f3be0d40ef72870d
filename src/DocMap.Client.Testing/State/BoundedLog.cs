namespace DocMap.Client.Testing;

/// <summary>
/// A fixed-capacity log, oldest entry dropped when full (a ring buffer). Not thread-safe: <see cref="EmulatorState"/>
/// guards it with its lock.
/// </summary>
internal sealed class BoundedLog<T>
    where T : class
{
    private readonly T?[] _items;
    private int _start; // index of the oldest entry
    private int _count;

    public BoundedLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new T?[capacity];
    }

    public int Count => _count;

    public int Capacity => _items.Length;

    /// <summary>Appends an entry, dropping the oldest when the log is full.</summary>
    public void Add(T item)
    {
        if (_count < _items.Length)
        {
            _items[(_start + _count) % _items.Length] = item;
            _count++;
        }
        else
        {
            _items[_start] = item;
            _start = (_start + 1) % _items.Length;
        }
    }

    /// <summary>The entry <paramref name="index"/> places from the oldest (0) to the newest (<see cref="Count"/> - 1).</summary>
    public T this[int index] => _items[(_start + index) % _items.Length]!;

    public void Clear()
    {
        Array.Clear(_items);
        _start = 0;
        _count = 0;
    }

    /// <summary>A copy, oldest first.</summary>
    public T[] ToArray()
    {
        var copy = new T[_count];
        for (var i = 0; i < _count; i++)
        {
            copy[i] = this[i];
        }

        return copy;
    }
}
