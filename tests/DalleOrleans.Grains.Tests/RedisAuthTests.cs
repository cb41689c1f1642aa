using System.Diagnostics;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// Redis security options reach StackExchange.Redis unchanged: the cache and clustering connection strings go through
/// ConfigurationOptions.Parse, so password=, user=, ssl=, sslHost= work as StackExchange.Redis documents them.
/// </summary>
public class RedisAuthTests
{
    [Fact]
    public void PasswordAndTlsOptionsSurviveParsing()
    {
        var options = ConfigurationOptions.Parse("redis.internal:6380,user=dalle,password=s3cret,ssl=true,sslHost=redis.internal,abortConnect=false");
        Assert.Equal("dalle", options.User);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal("redis.internal", options.SslHost);
        // The settings records keep the string as given; the silo and cache parse it exactly like this.
        Assert.Equal("redis.internal:6380,password=s3cret,ssl=true", new CacheSettings { Redis = "redis.internal:6380,password=s3cret,ssl=true" }.Redis);
    }

    [Fact]
    public async Task TheCacheAuthenticatesWithThePasswordAndAWrongOneOnlyCostsCaching()
    {
        int port = FreePort.Next();
        using var redis = StartRedisWithPassword(port, "correct-horse");
        try
        {
            await WaitForRedis($"127.0.0.1:{port},password=correct-horse");
            var result = new GenerationResult { Prompt = "p", Fingerprint = new string('a', 64), ModelId = "m" };

            await using var good = new RedisGenerationCache(new CacheSettings { Redis = $"127.0.0.1:{port},password=correct-horse" }, NullLogger<RedisGenerationCache>.Instance);
            await good.WhenConnected;
            await good.SetAsync(result.Fingerprint, result);
            Assert.NotNull(await good.TryGetAsync(result.Fingerprint));
            Assert.Equal(0, good.Errors);

            await using var bad = new RedisGenerationCache(new CacheSettings { Redis = $"127.0.0.1:{port},password=wrong,connectTimeout=500" }, NullLogger<RedisGenerationCache>.Instance);
            Assert.Null(await bad.TryGetAsync(result.Fingerprint));     // a miss, never an exception
            Assert.True(bad.Errors > 0);
        }
        finally
        {
            redis.Kill(entireProcessTree: true);
            await redis.WaitForExitAsync();
        }
    }

    /// <summary>
    /// A redis-server that serves TLS only (certificate signed by a CA made here with openssl) and requires a password:
    /// the cache stores and reads with the password and the CA (Cache:RedisCaFile); without the CA the server's
    /// certificate is refused, and with a wrong password nothing is read. Either failure is a miss, never an exception.
    /// </summary>
    [Fact]
    public async Task TheCacheSpeaksTlsWithAPasswordAndRefusesAnUntrustedCertificate()
    {
        string folder = Directory.CreateTempSubdirectory("dalle-redis-tls-").FullName;
        try
        {
            var (ca, cert, key) = MakeCertificates(folder);
            await using var redis = await RedisServer.StartAsync(new RedisServerOptions { Password = "tls-horse-battery", TlsCertFile = cert, TlsKeyFile = key, CaFile = ca });
            Assert.Contains("ssl=true", redis.ConnectionString);
            var result = new GenerationResult { Prompt = "p", Fingerprint = new string('b', 64), ModelId = "m" };

            await using (var good = new RedisGenerationCache(new CacheSettings { Redis = redis.ConnectionString, RedisCaFile = ca }, NullLogger<RedisGenerationCache>.Instance))
            {
                await good.WhenConnected;
                await good.SetAsync(result.Fingerprint, result);
                Assert.Equal(result.Fingerprint, (await good.TryGetAsync(result.Fingerprint))?.Fingerprint);
                Assert.Equal(0, good.Errors);
            }
            await using (var untrusted = new RedisGenerationCache(new CacheSettings { Redis = redis.ConnectionString }, NullLogger<RedisGenerationCache>.Instance))
            {
                await untrusted.WhenConnected;
                Assert.Null(await untrusted.TryGetAsync(result.Fingerprint));
                Assert.True(untrusted.Errors > 0, "a certificate from an untrusted CA was accepted");
            }
            string wrongPassword = redis.ConnectionString.Replace("password=tls-horse-battery", "password=wrong");
            await using (var bad = new RedisGenerationCache(new CacheSettings { Redis = wrongPassword, RedisCaFile = ca }, NullLogger<RedisGenerationCache>.Instance))
            {
                await bad.WhenConnected;
                Assert.Null(await bad.TryGetAsync(result.Fingerprint));
                Assert.True(bad.Errors > 0, "a wrong password read the cache");
            }
            string plain = redis.ConnectionString.Replace(",ssl=true", "");
            await using (var cleartext = new RedisGenerationCache(new CacheSettings { Redis = plain }, NullLogger<RedisGenerationCache>.Instance))
            {
                await cleartext.WhenConnected;
                Assert.Null(await cleartext.TryGetAsync(result.Fingerprint));
                Assert.True(cleartext.Errors > 0, "a cleartext client read from the TLS port");
            }
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>A throwaway CA and a "localhost" server certificate it signed, as PEM files (openssl, one day).</summary>
    static (string Ca, string Cert, string Key) MakeCertificates(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        OpenSsl(folder, "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=dalle-test-ca");
        OpenSsl(folder, "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
        OpenSsl(folder, "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile san.cnf");
        return (Path.Combine(folder, "ca.pem"), Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"));
    }

    static void OpenSsl(string folder, string arguments)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments.Split(' ')) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("openssl was not found; the TLS test makes its certificates with it: apt-get install -y openssl", e);
        }
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {arguments} failed: {errors}");
    }

    static Process StartRedisWithPassword(int port, string password)
    {
        var psi = new ProcessStartInfo(RedisServer.FindExecutable()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static async Task WaitForRedis(string connection)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync(connection + ",abortConnect=true,connectTimeout=500");
                await mux.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
