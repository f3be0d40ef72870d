using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

/// <summary>
/// A verification on .NET 10 allocates nothing (a correctness property of the design, not a timing). Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around a warmed-up loop. The netstandard2.0 build may allocate,
/// so the test project that runs it checks only that it still verifies.
/// </summary>
public sealed class AllocationTests
{
#if NET && !DOCMAP_TEST_NETSTANDARD
    [Theory]
    [InlineData(0)]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024)]
    public void Verify_allocates_nothing_once_warm(int size)
    {
        var body = TestData.Pattern(size);
        var text = new string('q', size);
        var verifier = new WebhookSignatureVerifier(TestData.OtherSecret, TestData.Secret);
        var signature = WebhookSigner.Sign(TestData.Secret, body);
        var textSignature = WebhookSigner.Sign(TestData.Secret, text);
        var wrong = "sha256=" + WebhookSigner.Sign(TestData.ThirdSecret, body) + ", junk";
        var sequence = TestData.Segmented(body, size / 3, size / 2);

        var iterations = size >= 1024 * 1024 ? 5 : 200;
        var valid = 0;
        void Run()
        {
            for (var i = 0; i < iterations; i++)
            {
                valid += verifier.Verify(body, signature).IsValid ? 1 : 0;
                valid += verifier.Verify(body, wrong).IsValid ? 1 : 0;
                valid += verifier.Verify(body, null).IsValid ? 1 : 0;
                valid += verifier.Verify(body, "sha256=").IsValid ? 1 : 0;
                valid += verifier.Verify(text, textSignature).IsValid ? 1 : 0;
                valid += verifier.Verify(sequence, signature).IsValid ? 1 : 0;
                valid += verifier.VerifyOrThrow(body, signature).IsValid ? 1 : 0;
            }
        }

        Run();
        valid = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4 * iterations, valid);
        Assert.Equal(0, allocated);
    }
#endif

    [Fact]
    public void Repeated_verification_keeps_verifying()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var body = TestData.Pattern(3000);
        var signature = WebhookSigner.Sign(TestData.Secret, body);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(verifier.Verify(body, signature).IsValid);
        }
    }
}
