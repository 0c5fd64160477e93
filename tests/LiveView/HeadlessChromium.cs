using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace AprOrleans.Tests.LiveView;

/// <summary>
/// The machine's Chromium (Debian's <c>chromium</c> and <c>chromium-driver</c> packages), headless, driven over
/// WebDriver. Nothing is downloaded: the browser and its driver must be installed (scripts/test.sh installs them),
/// and without them the tests fail with a line saying so.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private const string Browser = "/usr/bin/chromium";
    private const string DriverFolder = "/usr/bin";
    private const string Driver = "chromedriver";

    public IWebDriver Page { get; }

    public HeadlessChromium()
    {
        if (!File.Exists(Browser) || !File.Exists(Path.Combine(DriverFolder, Driver)))
            throw new InvalidOperationException(
                $"the live view tests need {Browser} and {DriverFolder}/{Driver}: apt-get install chromium chromium-driver (scripts/test.sh does)");
        var options = new ChromeOptions { BinaryLocation = Browser };
        // --no-sandbox: the tests may run as root (CI, containers), where Chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        var service = ChromeDriverService.CreateDefaultService(DriverFolder, Driver);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Page = new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
    }

    public void Open(string url) => Page.Navigate().GoToUrl(url);

    public IReadOnlyCollection<IWebElement> All(string css) => Page.FindElements(By.CssSelector(css));

    public IWebElement One(string css) => Page.FindElement(By.CssSelector(css));

    /// <summary>Replaces an input's value the way a user would.</summary>
    public void Type(string css, string text)
    {
        var input = One(css);
        input.Clear();
        input.SendKeys(text);
    }

    /// <summary>
    /// Polls the page until <paramref name="condition"/> holds; a generous bound turns a broken page into a failure
    /// naming <paramref name="what"/> instead of a hang (not a timing assertion).
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            try
            {
                if (condition()) return;
            }
            catch (WebDriverException) { } // an element replaced while it was read: read again
            if (DateTime.UtcNow > deadline)
            {
                var shown = Text("body");
                throw new TimeoutException($"the page never showed {what}; it shows: {shown[..Math.Min(2000, shown.Length)]}");
            }
            await Task.Delay(200);
        }
    }

    public string Text(string css) => One(css).Text;

    /// <summary>Saves a screenshot as a test artifact under artifacts/screenshots/ (shown in the README).</summary>
    public string Screenshot(string name)
    {
        var folder = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        ((ITakesScreenshot)Page).GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        Page.Quit();
        Page.Dispose();
    }
}
