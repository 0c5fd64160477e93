using AprOrleans.Silo.Hosting;

namespace AprOrleans.Tests.Service;

public class SiloSettingsTests
{
    private static SiloSettings Valid() => new() { SiloName = "silo-a", ConnectionString = "Host=x", Devices = ["cpu:0"] };

    [Fact]
    public void Defaults_with_a_connection_string_and_a_device_are_valid() => Assert.Null(Valid().Validate());

    [Theory]
    [InlineData("SiloName", "a/b", "Apr:SiloName")]
    [InlineData("SiloName", "..", "Apr:SiloName")]
    [InlineData("Storage", "disk", "Apr:Storage")]
    [InlineData("ConnectionString", "", "Apr:ConnectionString")]
    [InlineData("AdvertisedAddress", "pod-0", "Apr:AdvertisedAddress")]
    [InlineData("ListenAddress", "everywhere", "Apr:ListenAddress")]
    public void A_bad_setting_is_named(string property, string value, string named)
    {
        var settings = Valid();
        typeof(SiloSettings).GetProperty(property)!.SetValue(settings, value);
        Assert.StartsWith(named, settings.Validate());
    }

    [Fact]
    public void Devices_must_be_listed_once_each_and_ports_must_differ()
    {
        var none = Valid();
        none.Devices = [];
        Assert.StartsWith("Apr:Devices must list", none.Validate());
        var twice = Valid();
        twice.Devices = ["cpu:0", "cpu:0"];
        Assert.Equal("Apr:Devices lists a device twice", twice.Validate());
        var clash = Valid();
        clash.HttpPort = clash.GrpcPort;
        Assert.Equal("the silo's ports must differ", clash.Validate());
        var threads = Valid();
        threads.TorchThreads = -1;
        Assert.StartsWith("Apr:TorchThreads -1", threads.Validate());
        var attention = Valid();
        attention.AttentionThreads = -1;
        Assert.StartsWith("Apr:AttentionThreads -1", attention.Validate());
    }

    [Fact]
    public void A_shared_weights_directory_must_exist_so_that_a_missing_mount_is_not_a_private_store()
    {
        var missing = Valid();
        missing.SharedWeightsDirectory = "/nonexistent/apr-share";
        Assert.StartsWith("Apr:SharedWeightsDirectory '/nonexistent/apr-share' does not exist", missing.Validate());
        var present = Valid();
        present.SharedWeightsDirectory = Path.GetTempPath();
        Assert.Null(present.Validate());
    }

    [Fact]
    public async Task The_host_refuses_bad_configuration_with_that_line()
    {
        var error = await Assert.ThrowsAsync<SiloConfigurationException>(() =>
            SiloHost.CreateAsync(["--storage", "memory", "--silo-name", "silo-a", "--Apr:Devices:0=cpu:0", "--Apr:ListenAddress=nowhere"]));
        Assert.Equal("Apr:ListenAddress 'nowhere' is not an IP address", error.Message);
    }
}
