namespace DalleOrleans.Shapes;

/// <summary>Connected components of a pixel mask, which is how the judge ignores isolated noise.</summary>
internal static class PixelComponents
{
    /// <summary>
    /// Keeps only the largest 4-connected component of <paramref name="mask"/> (in place) and returns its
    /// size. Ties go to the component met first in row-major order, so the result is deterministic.
    /// </summary>
    public static int KeepLargest(Span<bool> mask, int width, int height)
    {
        var labels = new int[width * height];
        var queue = new int[width * height];
        int bestLabel = 0, bestSize = 0, label = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            label++;
            var size = Flood(mask, labels, queue, width, height, start, label);
            if (size > bestSize)
            {
                (bestSize, bestLabel) = (size, label);
            }
        }

        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = mask[i] && labels[i] == bestLabel;
        }

        return bestSize;
    }

    private static int Flood(Span<bool> mask, int[] labels, int[] queue, int width, int height, int start, int label)
    {
        int head = 0, tail = 0;
        queue[tail++] = start;
        labels[start] = label;
        while (head < tail)
        {
            var index = queue[head++];
            int x = index % width, y = index / width;
            for (var n = 0; n < 4; n++)
            {
                var (inside, neighbour) = n switch
                {
                    0 => (x > 0, index - 1),
                    1 => (x < width - 1, index + 1),
                    2 => (y > 0, index - width),
                    _ => (y < height - 1, index + width),
                };
                if (inside && mask[neighbour] && labels[neighbour] == 0)
                {
                    labels[neighbour] = label;
                    queue[tail++] = neighbour;
                }
            }
        }

        return tail;
    }
}
