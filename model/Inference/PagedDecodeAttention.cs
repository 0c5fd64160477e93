using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;
// Only the primitives: the namespace's own Tensor type would clash with torch.Tensor.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AprOrleans.Model.Inference;

/// <summary>
/// Attention of a decode step (one new query per row) computed straight over the paged KV pool on the CPU, the way
/// paged-attention kernels do it on a GPU: each row reads its own cached positions where they lie, page by page,
/// exactly as many as it holds. The generic path first gathers every row's pages into a padded contiguous tensor and
/// then runs scaled_dot_product_attention over it, one small matrix-vector product per row and head; at batch 64
/// the gather and those calls were a third of a step. Rows are independent, so a row's result does not depend on
/// what else is in the batch.
/// </summary>
public static unsafe class PagedDecodeAttention
{
    /// <param name="queries">[Rows, heads, 1, dim], after RoPE.</param>
    /// <param name="keys">A layer's key pool [positions, kvHeads, dim] (float32, contiguous, CPU).</param>
    /// <param name="values">The same layer's value pool.</param>
    /// <param name="pages">Each row's pages, in order; position p of a row is pool row pages[p / pageSize]·pageSize + p % pageSize.</param>
    /// <param name="lengths">Positions each row attends over (its cached length, this step's key included).</param>
    /// <returns>[Rows, heads, 1, dim].</returns>
    public static Tensor Attend(Tensor queries, Tensor keys, Tensor values, int[][] pages, int[] lengths, int pageSize, int threads)
    {
        Check(queries, keys, values, pages, lengths, pageSize);
        int rows = (int)queries.shape[0], heads = (int)queries.shape[1], dim = (int)queries.shape[3];
        using var query = queries.contiguous();
        var output = empty([rows, heads, 1, dim], ScalarType.Float32, CPU);
        var shape = new Shape(heads, (int)keys.shape[1], dim, pageSize, 1f / MathF.Sqrt(dim));
        // Native memory (libtorch's), so nothing moves; addresses, because a lambda cannot capture a fixed pointer.
        nint q = Address(query), k = Address(keys), v = Address(values), o = Address(output);
        long rowFloats = (long)heads * dim;
        void Row(int r) => AttendRow(shape, (float*)q + r * rowFloats, (float*)k, (float*)v, pages[r], lengths[r], (float*)o + r * rowFloats);
        if (threads > 1 && rows > 1) Parallel.For(0, rows, new ParallelOptions { MaxDegreeOfParallelism = threads }, Row);
        else for (int r = 0; r < rows; r++) Row(r);
        return output;
    }

    /// <summary>
    /// The kernel reads raw memory, so whatever would make it read outside the pool or misread it is refused here:
    /// O(rows + pages), against a step's O(rows · positions · dim).
    /// </summary>
    private static void Check(Tensor queries, Tensor keys, Tensor values, int[][] pages, int[] lengths, int pageSize)
    {
        foreach (var (t, name) in new[] { (queries, nameof(queries)), (keys, nameof(keys)), (values, nameof(values)) })
            if (t.dtype != ScalarType.Float32 || t.device.type != DeviceType.CPU)
                throw new ArgumentException($"{name} must be float32 on the CPU, not {t.dtype} on {t.device}", name);
        if (queries.dim() != 4 || queries.shape[2] != 1) throw new ArgumentException("queries must be [rows, heads, 1, dim]", nameof(queries));
        if (keys.dim() != 3 || !keys.is_contiguous() || !values.is_contiguous() || !keys.shape.SequenceEqual(values.shape))
            throw new ArgumentException("keys and values must be contiguous pools of one shape [positions, kvHeads, dim]", nameof(keys));
        long rows = queries.shape[0], heads = queries.shape[1], kvHeads = keys.shape[1];
        if (keys.shape[2] != queries.shape[3] || heads % kvHeads != 0)
            throw new ArgumentException($"queries [.., {heads}, 1, {queries.shape[3]}] do not fit pools of {kvHeads} heads × {keys.shape[2]}", nameof(keys));
        if (pages.Length != rows || lengths.Length != rows) throw new ArgumentException($"{pages.Length} page lists and {lengths.Length} lengths for {rows} rows");
        long poolPages = keys.shape[0] / pageSize;
        for (int r = 0; r < rows; r++)
        {
            if (lengths[r] < 1 || lengths[r] > (long)pages[r].Length * pageSize)
                throw new ArgumentException($"row {r}: {lengths[r]} positions over {pages[r].Length} pages of {pageSize}", nameof(lengths));
            for (int p = 0; p < (lengths[r] + pageSize - 1) / pageSize; p++)
                if ((uint)pages[r][p] >= poolPages) throw new ArgumentException($"row {r}: page {pages[r][p]} is outside the pool's {poolPages}", nameof(pages));
        }
    }

    /// <summary>
    /// Where a contiguous CPU tensor's elements start. Read through a one-element view: <c>Tensor.bytes</c> refuses
    /// spans over 2 GiB, which a paper-sized pool passes.
    /// </summary>
    private static nint Address(Tensor tensor)
    {
        using var first = tensor.view(-1).narrow(0, 0, 1);
        fixed (byte* start = first.bytes) return (nint)start;
    }

    private readonly record struct Shape(int Heads, int KvHeads, int Dim, int PageSize, float Scale)
    {
        public long PositionStride => (long)KvHeads * Dim;
    }

    /// <summary>
    /// One row, all heads: scores of every head over the row's positions (each position's keys read once, in pool
    /// order, page by page), a softmax per head, then the values weighted the same way. No division in the inner
    /// loops: one per position and head costs more than the arithmetic.
    /// </summary>
    private static void AttendRow(Shape shape, float* query, float* keys, float* values, int[] pages, int length, float* output)
    {
        int heads = shape.Heads, dim = shape.Dim;
        // Where head h's keys sit within a position (grouped-query heads share a key/value head).
        int* kvOffset = stackalloc int[heads];
        for (int h = 0; h < heads; h++) kvOffset[h] = h / (heads / shape.KvHeads) * dim;
        float* scaledQuery = stackalloc float[heads * dim];
        for (int i = 0; i < heads * dim; i++) scaledQuery[i] = query[i] * shape.Scale;
        var rented = ArrayPool<float>.Shared.Rent(heads * length);
        try
        {
            fixed (float* scores = rented)
            {
                long stride = shape.PositionStride;
                for (int page = 0, position = 0; position < length; page++)
                {
                    float* key = keys + (long)pages[page] * shape.PageSize * stride;
                    for (int end = Math.Min(length, position + shape.PageSize); position < end; position++, key += stride)
                        for (int h = 0; h < heads; h++) scores[h * length + position] = Dot(scaledQuery + h * dim, key + kvOffset[h], dim);
                }
                float* sums = stackalloc float[heads];
                for (int h = 0; h < heads; h++)
                {
                    var head = new Span<float>(scores + h * length, length);
                    float max = TensorPrimitives.Max(head);
                    TensorPrimitives.Subtract(head, max, head);
                    TensorPrimitives.Exp(head, head);
                    sums[h] = TensorPrimitives.Sum(head);
                }
                new Span<float>(output, heads * dim).Clear();
                for (int page = 0, position = 0; position < length; page++)
                {
                    float* value = values + (long)pages[page] * shape.PageSize * stride;
                    for (int end = Math.Min(length, position + shape.PageSize); position < end; position++, value += stride)
                        for (int h = 0; h < heads; h++) AddScaled(output + h * dim, value + kvOffset[h], scores[h * length + position], dim);
                }
                for (int h = 0; h < heads; h++)
                {
                    var head = new Span<float>(output + h * dim, dim);
                    TensorPrimitives.Divide(head, sums[h], head);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // Dot and AddScaled, not TensorPrimitives.Dot / MultiplyAdd: they run on one head's few dozen floats per position,
    // where a span call's setup outweighs the arithmetic; inlined, they stay in the loop's registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        int width = Vector<float>.Count, i = 0;
        var sum = Vector<float>.Zero;
        for (; i <= n - width; i += width) sum = Vector.MultiplyAddEstimate(Vector.Load(a + i), Vector.Load(b + i), sum);
        float total = Vector.Sum(sum);
        for (; i < n; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>accumulator += weight · x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(float* accumulator, float* x, float weight, int n)
    {
        int width = Vector<float>.Count, i = 0;
        var w = new Vector<float>(weight);
        for (; i <= n - width; i += width) Vector.Store(Vector.MultiplyAddEstimate(Vector.Load(x + i), w, Vector.Load(accumulator + i)), accumulator + i);
        for (; i < n; i++) accumulator[i] += weight * x[i];
    }
}
