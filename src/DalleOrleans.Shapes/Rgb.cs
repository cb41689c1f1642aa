namespace DalleOrleans.Shapes;

/// <summary>One sRGB colour, 8 bits per channel, no alpha (images in this data set are opaque).</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Squared Euclidean distance in sRGB space; squared because callers only compare distances.</summary>
    public int DistanceSquared(Rgb other) => DistanceSquared(other.R, other.G, other.B);

    public int DistanceSquared(int r, int g, int b)
    {
        int dr = R - r, dg = G - g, db = B - b;
        return dr * dr + dg * dg + db * db;
    }

    public override string ToString() => $"({R},{G},{B})";
}
