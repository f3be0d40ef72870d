using BenchmarkDotNet.Running;

// BenchmarkDotNet suites:  dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- --filter '*'
// Loopback load run:       dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- aspnetcore-load 16 8000
// Emulator load run:       dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- emulator-load 10 10000
// Redis store load run:    dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- redis-store-load garnet|host:port [operations]
// Inbox accept-path run:   dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- inbox-load memory|garnet|host:port [rounds] [requests] [connections]
if (args is ["aspnetcore-load", ..])
{
    return await DocMap.Client.Benchmarks.AspNetCoreLoadRun.RunAsync(args[1..]);
}

if (args is ["emulator-load", ..])
{
    return await DocMap.Client.Benchmarks.EmulatorLoadRun.RunAsync(args[1..]);
}

if (args is ["inbox-load", ..])
{
    return await DocMap.Client.Benchmarks.InboxLoadRun.RunAsync(args[1..]);
}

if (args is ["redis-store-load", ..])
{
    return await DocMap.Client.Benchmarks.RedisStoreLoadRun.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point holder for the benchmark switcher.</summary>
public partial class Program
{
}
