using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// The TLS path, actually run: a self-signed certificate generated here, handed to dalle-web as a password-protected
/// PKCS#12 file (--tls-cert, --tls-password-file), Kestrel listening on https://127.0.0.1, and a real HTTPS request
/// that sees exactly that certificate.
/// </summary>
public sealed class TlsTests
{
    [Fact]
    public async Task TheWebHostServesHttpsWithTheGivenCertificate()
    {
        string folder = Directory.CreateTempSubdirectory("dalle-tls-").FullName;
        try
        {
            using var certificate = SelfSigned();
            string pfx = Path.Combine(folder, "web.pfx"), passwordFile = Path.Combine(folder, "password");
            string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, password));
            await File.WriteAllTextAsync(passwordFile, password + "\n");

            // No model in the folder: this test is about the listener, not generation (the page is served all the same).
            var options = WebOptions.Parse(["--model", folder, "--urls", "https://127.0.0.1:0", "--tls-cert", pfx, "--tls-password-file", passwordFile]);
            await using var app = WebAppFactory.Build(options);
            await app.StartAsync();
            try
            {
                var address = WebAppFactory.BoundAddress(app);
                Assert.Equal("https", address.Scheme);

                X509Certificate2? presented = null;
                using var handler = new HttpClientHandler
                {
                    // Trust exactly this certificate (pinned by thumbprint); its only flaw may be that no CA signed it.
                    ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
                    {
                        presented = cert is null ? null : new X509Certificate2(cert.RawData);
                        return cert?.Thumbprint == certificate.Thumbprint && (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == 0;
                    },
                };
                using var https = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
                using var live = await https.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
                using var page = await https.GetAsync("/");
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);

                // Plain HTTP to the TLS port gets no HTTP answer.
                using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{address.Port}"), Timeout = TimeSpan.FromSeconds(30) };
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/healthz"));
            }
            finally
            {
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await app.StopAsync(stopping.Token);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A server certificate for 127.0.0.1, valid for a day around now.</summary>
    static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
