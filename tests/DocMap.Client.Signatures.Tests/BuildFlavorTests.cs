using System.Reflection;
using System.Runtime.Versioning;
using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

/// <summary>Proves which build of the package these tests exercise: the same test files run against both.</summary>
public sealed class BuildFlavorTests
{
    [Fact]
    public void The_tests_run_against_the_intended_build_of_the_package()
    {
        var assembly = typeof(WebhookSignatureVerifier).Assembly;
        var framework = assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
#if DOCMAP_TEST_NETSTANDARD
        Assert.Equal(".NETStandard,Version=v2.0", framework);
#else
        Assert.Equal(".NETCoreApp,Version=v10.0", framework);
#endif
        Assert.Same(assembly, typeof(WebhookEventType).Assembly);
    }
}
