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

    [Theory]
    [InlineData("pages", "", "Apr:KvLayout 'pages' must be")]
    [InlineData("paged", "64x4096", "Apr:RegionTiers is set but Apr:KvLayout is 'paged'")]
    [InlineData("regions", "64", "Apr:RegionTiers '64': '64' is not SLOTSxCAPACITY")]
    [InlineData("regions", "8x4096,x512", "Apr:RegionTiers '8x4096,x512': 'x512' is not")]
    [InlineData("regions", "8x4096,0x512", "Apr:RegionTiers '8x4096,0x512': '0x512' is not")]
    [InlineData("regions", "8x4096,50x512", "Apr:RegionTiers hold 58 slots, but Apr:EngineSlots is 64")]
    [InlineData("regions", "8x2048,56x512", "Apr:RegionTiers: the largest tier (2048) must hold Apr:EngineContextTokens (4096)")]
    public void A_bad_kv_layout_is_named(string layout, string tiers, string problem)
    {
        var settings = Valid();
        settings.KvLayout = layout;
        settings.RegionTiers = tiers;
        Assert.StartsWith(problem, settings.Validate());
    }

    [Fact]
    public void Region_tiers_reach_the_engine_options_and_pass_the_engines_own_checks()
    {
        var settings = Valid();
        settings.KvLayout = "regions";
        settings.RegionTiers = "8x4096, 56x512";
        settings.FuseProjections = true;
        Assert.Null(settings.Validate());

        var options = AprOrleans.Silo.Engine.TorchEngineDecoderFactory.Options(settings);

        Assert.Equal(AprOrleans.Model.Engine.KvLayout.Regions, options.KvLayout);
        Assert.Equal([new(8, 4096), new(56, 512)], options.RegionTiers!);
        Assert.True(options.FuseProjections);
        Assert.Null(options.Validate());
        // The defaults keep the paged cache and leave fusion to the device.
        var defaults = AprOrleans.Silo.Engine.TorchEngineDecoderFactory.Options(Valid());
        Assert.Equal(AprOrleans.Model.Engine.KvLayout.Paged, defaults.KvLayout);
        Assert.Null(defaults.RegionTiers);
        Assert.Null(defaults.FuseProjections);
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
