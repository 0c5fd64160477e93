using System.Security.Cryptography;
using AprOrleans.Api;
using Google.Protobuf;
using Grpc.Core;

namespace AprOrleans.Trainer.Grpo;

/// <summary>The Weights.Publish client stream: a header with size and sha256, then the file in 1 MiB chunks.</summary>
public static class WeightUpload
{
    public const int ChunkBytes = 1 << 20;

    public static async Task<PublishReply> PublishAsync(Weights.WeightsClient client, Metadata auth, long version, string path, string experiment, CancellationToken ct)
    {
        string sha256;
        await using (var file = File.OpenRead(path))
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        using var call = client.Publish(auth, cancellationToken: ct);
        await call.RequestStream.WriteAsync(new WeightChunk
        {
            Header = new WeightHeader { Version = version, Sha256 = sha256, SizeBytes = new FileInfo(path).Length, Experiment = experiment },
        }, ct);
        await using (var file = File.OpenRead(path))
        {
            var buffer = new byte[ChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, ct)) > 0)
                await call.RequestStream.WriteAsync(new WeightChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, ct);
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }
}
