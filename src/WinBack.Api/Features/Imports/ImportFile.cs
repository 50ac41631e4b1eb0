using System.Security.Cryptography;
using Npgsql;
using WinBack.Api.Infrastructure.Postgres;
using static WinBack.Api.Features.Imports.ImportTables;

namespace WinBack.Api.Features.Imports;

/// <summary>What an upload stored: its size, its SHA-256 and its line count (the last line may lack a line break).</summary>
public sealed record StoredUpload(long Bytes, string Sha256, long Lines);

/// <summary>An import file kept in PostgreSQL, in chunks of <see cref="ImportTables.ChunkBytes"/>, so that any worker can read it.</summary>
public static class ImportFile
{
    /// <summary>Streams the body into chunks inside <paramref name="transaction"/>; one chunk is in memory at a time.</summary>
    public static async Task<StoredUpload> StoreAsync(NpgsqlTransaction transaction, string importId, Stream body, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkBytes];
        long bytes = 0, lines = 0;
        var last = (byte)'\n';
        for (var n = 0; ; n++)
        {
            var filled = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            if (filled == 0)
                break;
            var chunk = buffer.AsSpan(0, filled);
            hash.AppendData(chunk);
            lines += chunk.Count((byte)'\n');
            last = chunk[^1];
            bytes += filled;
            await using var insert = Sql.Command(transaction.Connection!, $"insert into {Chunks} (import_id, n, bytes) values (@id, @n, @bytes)",
                ("id", importId), ("n", n), ("bytes", filled == buffer.Length ? buffer : chunk.ToArray()));
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync(ct);
            if (filled < buffer.Length)
                break;
        }
        return new StoredUpload(bytes, Convert.ToHexStringLower(hash.GetHashAndReset()), lines + (last == '\n' ? 0 : 1));
    }

    public static async Task DeleteAsync(NpgsqlConnection connection, string importId, CancellationToken ct)
    {
        await using var delete = Sql.Command(connection, $"delete from {Chunks} where import_id = @id", ("id", importId));
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The file from <paramref name="offset"/> on, read one chunk at a time over <paramref name="connection"/>.</summary>
    public static Stream OpenRead(NpgsqlConnection connection, string importId, long offset) => new ChunkStream(connection, importId, offset);

    private sealed class ChunkStream(NpgsqlConnection connection, string importId, long offset) : Stream
    {
        private byte[] _chunk = [];
        private int _at;
        private int _next = (int)(offset / ChunkBytes);
        private int _skip = (int)(offset % ChunkBytes);
        private bool _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
        {
            while (_at == _chunk.Length)
            {
                if (_ended || !await NextChunkAsync(ct))
                    return 0;
            }
            var count = Math.Min(destination.Length, _chunk.Length - _at);
            _chunk.AsMemory(_at, count).CopyTo(destination);
            _at += count;
            return count;
        }

        private async Task<bool> NextChunkAsync(CancellationToken ct)
        {
            await using var select = Sql.Command(connection, $"select bytes from {Chunks} where import_id = @id and n = @n", ("id", importId), ("n", _next));
            if (await select.ExecuteScalarAsync(ct) is not byte[] bytes)
            {
                _ended = true;
                return false;
            }
            _chunk = bytes;
            _at = Math.Min(_skip, bytes.Length);
            _skip = 0;
            _next++;
            _ended = bytes.Length < ChunkBytes;
            return true;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
