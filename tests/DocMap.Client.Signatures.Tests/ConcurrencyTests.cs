using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public void One_verifier_is_safe_to_share_between_many_threads()
    {
        const int threads = 16;
        const int iterations = 300;
        var secrets = new[] { TestData.OtherSecret, TestData.Secret, TestData.ThirdSecret };
        var verifier = new WebhookSignatureVerifier(secrets);

        // Bodies of several sizes, each with its valid signature under one of the secrets.
        var bodies = new[] { 0, 1, 100, 1024, 20_000, 70_000 }
            .Select((size, i) => (Body: TestData.Pattern(size), Secret: i % secrets.Length))
            .Select(x => (x.Body, x.Secret, Signature: WebhookSigner.Sign(secrets[x.Secret], x.Body), Text: new string('z', x.Body.Length % 5000)))
            .ToArray();
        var textSignatures = bodies.Select(b => WebhookSigner.Sign(secrets[b.Secret], b.Text)).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                for (var i = 0; i < iterations; i++)
                {
                    var k = (t + i) % bodies.Length;
                    var (body, secret, signature, text) = bodies[k];
                    var other = bodies[(k + 1) % bodies.Length].Signature;

                    var ok = verifier.Verify(body, signature);
                    if (!ok.IsValid || ok.MatchedSecretIndex != secret)
                    {
                        failures.Enqueue($"thread {t} iteration {i}: valid body {k} gave {ok}");
                    }

                    if (verifier.Verify(body, other).IsValid && bodies[(k + 1) % bodies.Length].Body.AsSpan().SequenceEqual(body) is false)
                    {
                        failures.Enqueue($"thread {t} iteration {i}: wrong signature accepted for body {k}");
                    }

                    var sequence = TestData.Segmented(body, body.Length / 3);
                    if (verifier.Verify(sequence, signature).MatchedSecretIndex != secret)
                    {
                        failures.Enqueue($"thread {t} iteration {i}: sequence body {k} failed");
                    }

                    if (verifier.Verify(text, textSignatures[k]).MatchedSecretIndex != secret)
                    {
                        failures.Enqueue($"thread {t} iteration {i}: text body {k} failed");
                    }
                }
            }
            catch (Exception ex)
            {
                failures.Enqueue($"thread {t}: {ex}");
            }
        })).ToList();

        workers.ForEach(w => w.Start());
        foreach (var worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "a worker thread did not finish within 60 s");
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task Verifiers_are_safe_under_parallel_tasks()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var body = TestData.Utf8(TestData.DeliveryBody);
        var signature = WebhookSigner.Sign(TestData.Secret, body);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            var valid = 0;
            for (var j = 0; j < 100; j++)
            {
                valid += verifier.Verify(body, signature).IsValid ? 1 : 0;
                valid -= verifier.Verify(body, WebhookSigner.Sign(TestData.OtherSecret, body)).IsValid ? 1 : 0;
            }

            return valid;
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(results, r => Assert.Equal(100, r));
    }
}
