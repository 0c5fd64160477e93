using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

public class TokenizerTests
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;

    [Fact]
    public void Round_trips_every_solver_output() =>
        Gen.Select(Gen.OneOfConst("apr", "sosp"), Gen.Int[3, 5], Gen.Int[0, 10_000]).Sample((solver, n, i) =>
        {
            foreach (var s in DemoSamples.Solve(solver, n, i).Sequences)
            {
                var ids = Tokenizer.Encode(s.Text, addBos: true, addEos: true);
                Assert.Equal(Tokenizer.BosId, ids[0]);
                Assert.Equal(Tokenizer.EosId, ids[^1]);
                Assert.Equal(s.Text, Tokenizer.Decode(ids));
            }
        }, iter: 100);

    [Fact]
    public void Round_trips_any_printable_text() =>
        Gen.String[Gen.Char[' ', '~'], 0, 200].Sample(text => Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text))), iter: 500);

    [Fact]
    public void Every_phrase_and_marker_is_one_token()
    {
        foreach (var phrase in TraceLiterals.All)
        {
            var ids = Tokenizer.Encode(phrase);
            Assert.True(ids.Count == 1, $"'{phrase}' encodes to {ids.Count} tokens");
        }
    }

    [Fact]
    public void Digits_are_single_tokens_and_numbers_spell_out()
    {
        Assert.Equal(3, Tokenizer.Encode("123").Count);
        Assert.Equal(Tokenizer.IdOf("7"), Tokenizer.Encode("7").Single());
    }

    [Fact]
    public void Stop_markers_are_found_inside_text_as_their_own_ids()
    {
        var ids = Tokenizer.Encode("Generated Node #0,1: 27:[1, 2] Operation: 3-1=2\n<Calling Sub Searches>\n<End Calling Sub Searches>");
        Assert.Equal(Tokenizer.IdOf(TraceLiterals.EndCallingSubSearches), ids[^1]);
        Assert.Contains(Tokenizer.IdOf(TraceLiterals.CallingSubSearches), ids);
    }

    [Fact]
    public void The_vocabulary_file_round_trips()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vocab-{Guid.NewGuid():N}.json");
        try
        {
            Tokenizer.Save(path);
            var loaded = CountdownTokenizer.Load(path);
            Assert.Equal(Tokenizer.Tokens, loaded.Tokens);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unknown_characters_are_refused_with_their_offset()
    {
        var e = Assert.Throws<ArgumentException>(() => Tokenizer.Encode("12é"));
        Assert.Contains("offset 2", e.Message);
    }
}
