using System.Text;
using System.Text.Json;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Tokenization;

/// <summary>
/// The domain tokenizer of DESIGN §4: every fixed phrase and protocol marker of the trace language is one
/// token (so stop detection on a marker is one token id), every other character — digits included — is
/// its own token, plus &lt;pad&gt;, &lt;bos&gt;, &lt;eos&gt;. Encoding is greedy longest match, so decode(encode(x)) == x
/// for any text made of the vocabulary's characters.
/// </summary>
public sealed class CountdownTokenizer
{
    public const string Pad = "<pad>", Bos = "<bos>", Eos = "<eos>";

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    // Candidate multi-character tokens by first character, longest first.
    private readonly Dictionary<char, (string Text, int Id)[]> _phrasesByFirstChar;
    private readonly int[] _charIds = new int[128];

    public CountdownTokenizer(IReadOnlyList<string> tokens)
    {
        if (tokens.Count < 3 || tokens[0] != Pad || tokens[1] != Bos || tokens[2] != Eos)
            throw new ArgumentException($"a vocabulary starts with {Pad}, {Bos}, {Eos}", nameof(tokens));
        _tokens = [.. tokens];
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            if (!_ids.TryAdd(_tokens[i], i)) throw new ArgumentException($"duplicate token '{_tokens[i]}'", nameof(tokens));
        }
        Array.Fill(_charIds, -1);
        for (int i = 3; i < _tokens.Length; i++)
        {
            if (_tokens[i].Length == 1 && _tokens[i][0] < 128) _charIds[_tokens[i][0]] = i;
        }
        _phrasesByFirstChar = Enumerable.Range(3, _tokens.Length - 3)
            .Where(i => _tokens[i].Length > 1)
            .GroupBy(i => _tokens[i][0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(i => _tokens[i].Length).Select(i => (_tokens[i], i)).ToArray());
    }

    /// <summary>The project's vocabulary: specials, the trace language's phrases, then printable ASCII and newline.</summary>
    public static CountdownTokenizer Default { get; } = new(DefaultVocabulary());

    public static IReadOnlyList<string> DefaultVocabulary()
    {
        var tokens = new List<string> { Pad, Bos, Eos };
        tokens.AddRange(TraceLiterals.All);
        tokens.Add(", ");
        tokens.Add("\n");
        for (char c = ' '; c <= '~'; c++) tokens.Add(c.ToString());
        return tokens.Distinct(StringComparer.Ordinal).ToList();
    }

    public int VocabularySize => _tokens.Length;
    public int PadId => 0;
    public int BosId => 1;
    public int EosId => 2;
    public IReadOnlyList<string> Tokens => _tokens;

    public int IdOf(string token) =>
        _ids.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"'{token}' is not a token");

    public string TokenText(int id) => _tokens[id];

    public List<int> Encode(string text, bool addBos = false, bool addEos = false)
    {
        var ids = new List<int>(text.Length / 2 + 2);
        if (addBos) ids.Add(BosId);
        EncodeInto(text, ids);
        if (addEos) ids.Add(EosId);
        return ids;
    }

    public void EncodeInto(string text, List<int> ids)
    {
        for (int i = 0; i < text.Length;)
        {
            var (id, length) = Match(text, i);
            ids.Add(id);
            i += length;
        }
    }

    /// <summary>Number of tokens <paramref name="text"/> encodes to (no specials), without allocating.</summary>
    public int Count(string text)
    {
        int count = 0;
        for (int i = 0; i < text.Length; count++) i += Match(text, i).Length;
        return count;
    }

    /// <summary>The longest token at <paramref name="i"/>: a phrase if one matches, else the single character.</summary>
    private (int Id, int Length) Match(string text, int i)
    {
        char c = text[i];
        if (_phrasesByFirstChar.TryGetValue(c, out var candidates))
        {
            foreach (var (phrase, id) in candidates)
            {
                if (phrase.Length <= text.Length - i && string.CompareOrdinal(text, i, phrase, 0, phrase.Length) == 0)
                    return (id, phrase.Length);
            }
        }
        int single = c < 128 ? _charIds[c] : -1;
        if (single < 0) throw new ArgumentException($"character U+{(int)c:X4} at offset {i} is not in the vocabulary", nameof(text));
        return (single, 1);
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        var sb = new StringBuilder();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, "token id outside the vocabulary");
            if (skipSpecial && id <= EosId) continue;
            sb.Append(_tokens[id]);
        }
        return sb.ToString();
    }

    /// <summary>Writes the vocabulary as a JSON array of token strings (index = id).</summary>
    public void Save(string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(_tokens, new JsonSerializerOptions { WriteIndented = true }));

    public static CountdownTokenizer Load(string path)
    {
        var tokens = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path}: not a vocabulary (expected a JSON array of strings)");
        return new CountdownTokenizer(tokens);
    }
}
