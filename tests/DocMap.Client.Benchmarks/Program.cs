using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point holder for the benchmark switcher.</summary>
public partial class Program
{
}
