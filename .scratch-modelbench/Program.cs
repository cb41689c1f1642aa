using System.Diagnostics;
using DalleOrleans.Model;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

TorchRuntime.Initialize(args.Length > 1 ? int.Parse(args[1]) : null);
int B = args.Length > 0 ? int.Parse(args[0]) : 32;
int H = 6, Dh = 32, T = 96, Tk = 66;
double Med(Action a, int reps = 201) {
  using var ng = no_grad();
  for (int i=0;i<20;i++){ using var s=NewDisposeScope(); a(); }
  var ts = new List<double>();
  for (int i=0;i<reps;i++){ using var s=NewDisposeScope(); var sw=Stopwatch.StartNew(); a(); ts.Add(sw.Elapsed.TotalMilliseconds*1000);} 
  ts.Sort(); return ts[ts.Count/2];
}
var keys = randn(B, H, T, Dh); var values = randn(B, H, T, Dh);
var q = randn(B, H, 1, Dh);
var maskFull = zeros(T, T);
var pos = full(new long[]{B}, 65L, dtype: int64);
var maskRows = maskFull.index_select(0, pos).narrow(1, 0, Tk).view(B, 1, 1, Tk);
var maskC = maskRows.contiguous();
double scale = 1.0 / Math.Sqrt(Dh);
for (int round = 0; round < 2; round++) {
Console.WriteLine($"sdpa strided mask   {Med(() => functional.scaled_dot_product_attention(q, keys.narrow(2,0,Tk), values.narrow(2,0,Tk), maskRows)):F1} us");
Console.WriteLine($"sdpa contig mask    {Med(() => functional.scaled_dot_product_attention(q, keys.narrow(2,0,Tk), values.narrow(2,0,Tk), maskC)):F1} us");
Console.WriteLine($"sdpa no mask        {Med(() => functional.scaled_dot_product_attention(q, keys.narrow(2,0,Tk), values.narrow(2,0,Tk))):F1} us");
Console.WriteLine($"manual bmm          {Med(() => { var k = keys.narrow(2,0,Tk); var v = values.narrow(2,0,Tk); var s = q.matmul(k.transpose(-2,-1)).mul_(scale).add_(maskRows); var p = s.softmax(-1); p.matmul(v); }):F1} us");
Console.WriteLine($"mask index_select   {Med(() => maskFull.index_select(0, pos).narrow(1, 0, Tk).view(B, 1, 1, Tk)):F1} us");
var x = randn(B,1,192); var w = randn(576,192); var bb = randn(576);
Console.WriteLine($"linear qkv 3d       {Med(() => functional.linear(x, w, bb)):F1} us");
var x2 = x.view(B,192);
Console.WriteLine($"linear qkv 2d       {Med(() => functional.linear(x2, w, bb)):F1} us");
Console.WriteLine($"addmm qkv 2d        {Med(() => addmm(bb, x2, w.t(), 1f, 1f)):F1} us");
var wt = w.t().contiguous();
Console.WriteLine($"addmm qkv 2d wT     {Med(() => addmm(bb, x2, wt, 1f, 1f)):F1} us");
Console.WriteLine($"add tiny            {Med(() => x.add(x)):F1} us");
Console.WriteLine($"empty op (view)     {Med(() => x.view(B,192)):F1} us");
}
