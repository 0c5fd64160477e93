namespace AprOrleans.Client.Report;

/// <summary>One point of a report curve: x, accuracy (0..1), and what the point is (a budget, n, a window).</summary>
public sealed record ReportPoint(double X, double Accuracy, string What);

/// <summary>A named curve of the report, and the model (the runs' label) it belongs to.</summary>
public sealed record ReportSeries(string Model, string Name, IReadOnlyList<ReportPoint> Points);

