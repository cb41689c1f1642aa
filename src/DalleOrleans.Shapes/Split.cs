namespace DalleOrleans.Shapes;

/// <summary>Which part of the data set a sample comes from; see <see cref="HeldOutPairs"/>.</summary>
public enum Split
{
    /// <summary>Every (colour, shape) pair except the held-out ones: what every model trains on.</summary>
    Train,

    /// <summary>Only the held-out (colour, shape) pairs: the zero-shot evaluation.</summary>
    HeldOut,
}
