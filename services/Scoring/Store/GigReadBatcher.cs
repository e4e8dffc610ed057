using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// Gathers concurrent plain Gig reads (GetGigScore) into one read script call each
/// (<see cref="ScoreReads.GigsAsync"/>), so that under load many score reads share one round trip,
/// one system call each way and one script start in Redis instead of paying them each.
/// </summary>
/// <remarks>
/// <para>No read waits for company: at most <see cref="MaxInFlight"/> reads run at once (one), and a
/// read that finds the slot free reads alone at once, in its caller's flow, as <see cref="ScoreReads.GigAsync"/>
/// (so its trace and Redis profiling are its own, and a quiet service reads exactly as before).
/// Reads that arrive while it is busy queue; a read that has ended serves the queue, up to
/// <see cref="MaxBatch"/> Gigs per script call, before it frees the slot. A busy service therefore
/// reads in batches as large as the load makes them.</para>
/// <para>Each Gig's answer still comes from one state (the whole batch does: Redis runs one script at
/// a time). A Gig whose data cannot be read fails its own caller only: the engine's refusal of its
/// fields is that Gig's alone, and a script Redis refused (a key of another type) is read again Gig
/// by Gig. A call that failed otherwise (Redis away) fails the reads it carried, as their own calls
/// would have.</para>
/// <para>StackExchange.Redis pipelines concurrent commands on its connection but sends each in a
/// system call of its own and Redis runs each script call from its start; neither it nor Redis
/// offers to merge reads of the same script, so this small gathering is ours (docs/scale.md).</para>
/// </remarks>
public sealed class GigReadBatcher(ScoreReads reads)
{
    /// <summary>
    /// Reads (script calls) at once. One serves best here: at 50 calls in flight on a million Gigs,
    /// one slot made batches of about 20 Gigs and served 23,300-26,500 calls/s, two slots about 10
    /// and 19,300-22,900, three about 8 and 21,500-25,600 (docs/scale.md).
    /// </summary>
    public const int MaxInFlight = 1;

    /// <summary>The most Gigs one call reads (bounds the script's run, during which Redis serves nobody else).</summary>
    public const int MaxBatch = 32;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _waiting = new();
    private int _inFlight;

    /// <summary>The Gig's plain read (null when Scoring does not know it), possibly together with others.</summary>
    public async Task<ScoringRead?> ReadAsync(string gigId)
    {
        Pending? queued = null;
        lock (_gate)
        {
            if (_inFlight < MaxInFlight)
            {
                _inFlight++;
            }
            else
            {
                queued = new Pending(gigId);
                _waiting.Enqueue(queued);
            }
        }

        if (queued is not null)
        {
            return await queued.Answer.Task;
        }

        // A free slot: this caller reads alone, in its own flow (its trace, its Redis profiling).
        try
        {
            return await reads.GigAsync(gigId);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Frees the slot, or keeps it to serve the reads that queued meanwhile.</summary>
    private void Release()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _inFlight--;
                return;
            }
        }

        // The queued reads are nobody's in particular: they are served on a thread-pool thread
        // that carries no caller's flow, not on this caller's way out.
        ThreadPool.UnsafeQueueUserWorkItem(static batcher => _ = batcher.DrainAsync(), this, preferLocal: false);
    }

    /// <summary>One slot serving the queue in batches until it is empty, then freed.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _inFlight--;
                    return;
                }

                batch = new List<Pending>(Math.Min(_waiting.Count, MaxBatch));
                while (batch.Count < MaxBatch && _waiting.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            await ReadBatchAsync(batch);
        }
    }

    private async Task ReadBatchAsync(List<Pending> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                batch[0].Answer.TrySetResult(await reads.GigAsync(batch[0].GigId));
                return;
            }

            var answers = await reads.GigsAsync(batch.Select(p => p.GigId).ToList());
            for (int i = 0; i < batch.Count; i++)
            {
                _ = CompleteAsync(batch[i], answers[i]);
            }
        }
        catch (RedisServerException) when (batch.Count > 1)
        {
            // Redis refused the script for one of the Gigs (a key of another type, say): read each
            // alone, so that only that Gig's callers get the error.
            foreach (var pending in batch)
            {
                _ = CompleteAsync(pending, reads.GigAsync(pending.GigId));
            }
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Answer.TrySetException(e);
            }
        }
    }

    /// <summary>Hands a Gig's outcome to its caller (most are complete already; one read again alone finishes later).</summary>
    private static async Task CompleteAsync(Pending pending, Task<ScoringRead?> answer)
    {
        try
        {
            pending.Answer.TrySetResult(await answer);
        }
        catch (Exception e)
        {
            pending.Answer.TrySetException(e);
        }
    }

    /// <summary>A read waiting for its batch; its caller goes on on a thread of its own, not inside the batch's loop.</summary>
    private sealed class Pending(string gigId)
    {
        public string GigId => gigId;

        public TaskCompletionSource<ScoringRead?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
