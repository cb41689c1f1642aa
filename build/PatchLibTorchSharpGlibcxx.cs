// MSBuild task (compiled by RoslynCodeTaskFactory against netstandard2.0, see TorchSharpNative.targets).
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so is linked with GCC 13 and asks for the symbol
// version GLIBCXX_3.4.32 for exactly one symbol, std::ios_base_library_init(). GCC 13's <iostream>
// references that symbol only as a link anchor; nothing calls it. Debian 12's libstdc++ stops at
// GLIBCXX_3.4.30, so the dynamic loader refuses the library. Rewriting the version-needed entry
// (Elf64_Vernaux) for GLIBCXX_3.4.32 to name GLIBCXX_3.4.30 (already in .dynstr) lets it load.
// The patch touches only the build output's copy, only when the host lacks GLIBCXX_3.4.32,
// is idempotent, and fails loudly when the file is not laid out as expected.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchLibTorchSharpGlibcxx : Task
{
    const string Wanted = "GLIBCXX_3.4.32";
    const string Replacement = "GLIBCXX_3.4.30";
    const uint ShtGnuVerneed = 0x6ffffffe;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Optional override for tests: the libstdc++ to inspect instead of the host's.</summary>
    public string HostLibStdCxx { get; set; } = "";

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
        string lib = string.IsNullOrEmpty(HostLibStdCxx) ? FindHostLibStdCxx() : HostLibStdCxx;
        if (lib == null)
        {
            Log.LogWarning("TorchSharp patch: no libstdc++.so.6 found on this host; leaving libLibTorchSharp.so as shipped.");
            return true;
        }
        if (Contains(File.ReadAllBytes(lib), Encoding.ASCII.GetBytes(Wanted + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"TorchSharp patch: {lib} provides {Wanted}; no patch needed.");
            return true;
        }
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                bool changed = Patch(path);
                Log.LogMessage(MessageImportance.Normal, changed
                    ? $"TorchSharp patch: {path}: {Wanted} -> {Replacement} (host libstdc++ lacks {Wanted})."
                    : $"TorchSharp patch: {path} already patched.");
            }
            catch (InvalidDataException e)
            {
                Log.LogError($"TorchSharp patch: cannot patch {path}: {e.Message} " +
                             "The TorchSharp version or its native layout changed; update build/PatchLibTorchSharpGlibcxx.cs.");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    static string FindHostLibStdCxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Returns true when the file was changed, false when it was already patched.</summary>
    public static bool Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("expected a 64-bit little-endian ELF file.");

        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shentsize * shnum) > (ulong)elf.Length)
            throw new InvalidDataException("section header table missing or out of bounds.");

        // Find .gnu.version_r (SHT_GNU_verneed); its sh_link is the string table it names into.
        int verneedSection = -1;
        for (int i = 0; i < shnum; i++)
            if (U32(elf, (int)shoff + i * shentsize + 4) == ShtGnuVerneed) { verneedSection = i; break; }
        if (verneedSection < 0) throw new InvalidDataException("no version-needed section (.gnu.version_r).");
        int sh = (int)shoff + verneedSection * shentsize;
        int vrOff = checked((int)U64(elf, sh + 0x18));
        int vrCount = (int)U32(elf, sh + 0x2C);      // sh_info: number of Elf64_Verneed entries
        int strSection = (int)U32(elf, sh + 0x28);    // sh_link
        if (strSection >= shnum) throw new InvalidDataException("version-needed section links to no string table.");
        int strOff = checked((int)U64(elf, (int)shoff + strSection * shentsize + 0x18));
        int strSize = checked((int)U64(elf, (int)shoff + strSection * shentsize + 0x20));

        string Str(uint at)
        {
            if (at >= strSize) throw new InvalidDataException("string offset out of bounds.");
            int start = strOff + (int)at, end = start;
            while (end < strOff + strSize && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        int need = vrOff;
        for (int n = 0; n < vrCount; n++)
        {
            int cnt = U16(elf, need + 2);
            string file = Str(U32(elf, need + 4));
            if (file == "libstdc++.so.6")
            {
                int wantedAux = -1, replacementAux = -1;
                int aux = need + (int)U32(elf, need + 8);
                for (int a = 0; a < cnt; a++)
                {
                    string name = Str(U32(elf, aux + 8));
                    if (name == Wanted) wantedAux = aux;
                    if (name == Replacement && replacementAux < 0) replacementAux = aux;
                    uint next = U32(elf, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                if (replacementAux < 0)
                    throw new InvalidDataException($"libstdc++.so.6 needs no {Replacement}, so there is no name to point {Wanted} at.");
                if (wantedAux < 0) return false; // already patched: nothing asks for the missing version
                // vna_hash (offset 0) and vna_name (offset 8) become those of the replacement.
                Array.Copy(elf, replacementAux + 0, elf, wantedAux + 0, 4);
                Array.Copy(elf, replacementAux + 8, elf, wantedAux + 8, 4);
                if (ElfHash(Replacement) != U32(elf, wantedAux))
                    throw new InvalidDataException($"the {Replacement} entry's hash is not the ELF hash of its name.");
                string tmp = path + ".patching";
                File.WriteAllBytes(tmp, elf);
                File.Copy(tmp, path, overwrite: true);
                File.Delete(tmp);
                return true;
            }
            uint nextNeed = U32(elf, need + 12);
            if (nextNeed == 0) break;
            need += (int)nextNeed;
        }
        throw new InvalidDataException("no version requirements on libstdc++.so.6.");
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    static bool Contains(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            if (hay[i] != needle[0]) continue;
            int j = 1;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    static int U16(byte[] b, int at) => BitConverter.ToUInt16(b, at);
    static uint U32(byte[] b, int at) => BitConverter.ToUInt32(b, at);
    static ulong U64(byte[] b, int at) => BitConverter.ToUInt64(b, at);
}
