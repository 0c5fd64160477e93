// The silo host. Orleans, gRPC and persistence are wired in by the service work (DESIGN §6);
// until then the host serves its health endpoint so probes and packaging can be exercised.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.Run();
