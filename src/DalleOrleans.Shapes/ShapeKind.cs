namespace DalleOrleans.Shapes;

/// <summary>The three shapes. The numeric order is part of the data set's determinism.</summary>
public enum ShapeKind
{
    Circle,
    /// <summary>Axis-aligned square.</summary>
    Square,
    /// <summary>Isosceles triangle pointing up; its base is as wide as it is tall.</summary>
    Triangle,
}
