using System.Diagnostics;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>Runs a program to its end, as the tests do with the service's commands, npm and apt-get.</summary>
public static class ProcessRun
{
    /// <summary>Starts <paramref name="start"/> (its output and errors read, <paramref name="input"/> written when given) and waits for
    /// it; killed with its children, and a <see cref="TimeoutException"/>, past <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> ToEndAsync(ProcessStartInfo start, TimeSpan timeout, string? input = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.RedirectStandardInput = input is not null || start.RedirectStandardInput;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{start.FileName} {string.Join(' ', start.ArgumentList.Count > 0 ? start.ArgumentList : [start.Arguments])}` did not end within {timeout}.");
        }
        return (process.ExitCode, await output + await errors);
    }
}
