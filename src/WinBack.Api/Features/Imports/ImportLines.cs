using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace WinBack.Api.Features.Imports;

/// <summary>
/// Splits an import file into lines with a bounded buffer, so that memory stays flat whatever the file holds. A line longer
/// than <see cref="MaxLineBytes"/> is not kept: it is read past to its end and given as null, and the lines after it go on.
/// </summary>
public static class ImportLines
{
    public const int MaxLineBytes = 1024 * 1024;
    public const string TooLong = "The line is longer than 1 MiB (1,048,576 bytes), the most an import line may be.";
    private const int BufferBytes = 64 * 1024;
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Each line with the bytes read up to its end (line break included), so that a reader can resume after it.
    /// <paramref name="atStart"/> says whether the stream begins at the file's start, where a byte order mark may be.
    /// </summary>
    public static async IAsyncEnumerable<ImportLineRead> ReadFromAsync(Stream file, bool atStart, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: BufferBytes, leaveOpen: true));
        var first = atStart;
        var skipping = false;
        long consumed = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct);
                var buffer = result.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    consumed += line.Length + 1;
                    yield return new ImportLineRead(skipping || line.Length > MaxLineBytes ? null : Decode(line, first), consumed);
                    first = skipping = false;
                }
                if (result.IsCompleted)
                {
                    // The last line, when the file does not end with a line break.
                    consumed += buffer.Length;
                    if (skipping || buffer.Length > MaxLineBytes)
                        yield return new ImportLineRead(null, consumed);
                    else if (buffer.Length > 0)
                        yield return new ImportLineRead(Decode(buffer, first), consumed);
                    yield break;
                }
                // Over the limit with no line break in sight: drop what was read and look only for the line's end.
                skipping |= buffer.Length > MaxLineBytes;
                if (skipping)
                {
                    consumed += buffer.Length;
                    reader.AdvanceTo(buffer.End);
                }
                else
                    reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static string Decode(ReadOnlySequence<byte> line, bool first)
    {
        if (first && line.Length >= Bom.Length && line.Slice(0, Bom.Length).ToArray().AsSpan().SequenceEqual(Bom))
            line = line.Slice(Bom.Length);
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
            line = line.Slice(0, line.Length - 1);
        return Encoding.UTF8.GetString(line);
    }
}

/// <summary>A line's text (null when over the limit) and the bytes read from the stream up to its end.</summary>
public readonly record struct ImportLineRead(string? Text, long End);
