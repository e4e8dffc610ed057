using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Simulation;

/// <summary>
/// Writes one order's story from its seller's and buyer's profiles and the order's own generator:
/// which calls happen, by whom, at which slot. Slots are chosen so that every call finds the state
/// it needs: a call that needs another service to have heard of an earlier change comes at least a
/// slot later (the runner lets the platform settle between slots), and the time rules are kept
/// (a claim of an unresponsive buyer only after Messaging's 24 h, a review inside its window, an
/// acceptance before the 3-day auto-completion).
/// </summary>
internal sealed class StoryWriter
{
    private readonly List<Step> _steps = [];
    private readonly SimulationOptions _options;
    private readonly Random _r;
    private readonly Gig _gig;
    private readonly Buyer _buyer;
    private readonly int _day;

    private StoryWriter(SimulationOptions options, Gig gig, Buyer buyer, Random random)
    {
        _options = options;
        _gig = gig;
        _buyer = buyer;
        _r = random;
        _day = options.SlotsPerDay;
    }

    private SellerTraits T => _gig.Seller.Traits;

    private BuyerTraits B => _buyer.Traits;

    private bool Chance(double p) => _r.NextDouble() < p;

    private int Between(int from, int to) => to <= from ? from : from + _r.Next(to - from + 1);

    private void Add(Step step) => _steps.Add(step);

    private void Add(int slot, Act act, Party by) => _steps.Add(new Step(slot, act, by));

    public static PlannedOrder Write(SimulationOptions options, int index, Gig gig, Buyer buyer, int placed, Random random)
    {
        var writer = new StoryWriter(options, gig, buyer, random);
        int due = placed + (gig.DeliveryDays * writer._day);
        string story = writer.Story(placed, due);
        var steps = writer._steps.Select((s, i) => (s, i)).OrderBy(x => x.s.Slot).ThenBy(x => x.i).Select(x => x.s).ToList();
        return new PlannedOrder(index, $"{options.RunId}-o{index + 1:D6}", gig, buyer, gig.PriceCents, placed, due, story, steps);
    }

    private string Story(int placed, int due)
    {
        int day = _day;
        bool seeker = _gig.Seller.Profile == SellerProfile.ExemptionSeeker;
        Add(placed, Act.Place, Party.Buyer);

        if (Chance(B.Mistakes))
        {
            // A real exemption: the buyer withdraws within 24 h, before work started.
            Add(new Step(placed + 1, Act.Cancel, Party.Buyer, Reason: CancellationReason.PlacedByMistake));
            return "withdrawn: placed by mistake (exempt)";
        }

        if (Chance(B.NoRequirements))
        {
            // The seller asks for the requirements; the buyer never answers. Messaging marks the buyer
            // unresponsive 24 h later, and only then may the seller cancel for that reason.
            Add(placed + 1, Act.AskRequirements, Party.Seller);
            if (seeker)
            {
                Add(new Step(placed + 2, Act.Cancel, Party.Seller, Refused: true, Reason: CancellationReason.BuyerUnresponsive, Flag: true,
                    Attempt: "buyer unresponsive, 12 h after asking (no mark yet)"));
            }

            if (Chance(0.5))
            {
                Add(new Step(placed + 1 + day + 1, Act.Cancel, Party.Seller, Reason: CancellationReason.BuyerUnresponsive, Flag: true));
                return "cancelled: buyer unresponsive, after Messaging's mark (exempt)";
            }

            Add(new Step(placed + 3, Act.Cancel, Party.Seller, Reason: CancellationReason.MissingRequirements));
            return "cancelled: requirements never sent (exempt)";
        }

        Add(placed, Act.Requirements, Party.Buyer);
        int start = placed + (T.ReplyMin >= 3 ? 1 : 0);
        Add(start, Act.Start, Party.Seller);

        bool sellerCancels = Chance(T.Cancels);
        if (seeker)
        {
            Add(FalseClaim(start + 1));
        }

        if (sellerCancels)
        {
            Add(new Step(start + 1, Act.Cancel, Party.Seller, Reason: CancellationReason.SellerUnableToDeliver));
            if (Chance(0.3))
            {
                Add(new Step(start + 2, Act.CancelledOrderReview, Party.Buyer, Ratings: Rate(late: 0, revisions: 0, replyDelay: null, trouble: 1.5)));
            }

            return "cancelled by the seller";
        }

        if (Chance(0.02))
        {
            Add(new Step(start + 1, Act.OpenCancellationRequest, Party.Buyer, Reason: CancellationReason.Other));
            Add(new Step(start + 2, Act.RespondToResolution, Party.Seller, Flag: true));
            return "cancelled by mutual agreement (Resolution Center)";
        }

        // Delivery: on time, late, or after an extension.
        int delivered;
        int late;
        string timing;
        bool extension = Chance(T.Extensions) && due - 1 >= start;
        if (extension)
        {
            int open = due - 1;
            int extendSlots = 3 * day;
            Add(new Step(open, Act.OpenExtension, Party.Seller, Value: extendSlots * _options.SlotHours));
            bool accepted;
            if (!B.AcceptsDelivery)
            {
                accepted = true; // unanswered: auto-accepted after 48 h
                timing = "extended (auto-accepted)";
            }
            else
            {
                accepted = Chance(B.ExtensionAccept);
                Add(new Step(open + 1, Act.RespondToResolution, Party.Buyer, Flag: accepted));
                timing = accepted ? "extended" : "extension rejected";
            }

            int earliest = open + (2 * day) + 1;
            delivered = accepted ? Between(earliest, due + extendSlots) : due + (2 * day) + Between(1, day);
            late = accepted ? 0 : delivered - due;
        }
        else if (Chance(T.OnTime))
        {
            delivered = Between(Math.Max(start + 1, due - day), due);
            late = 0;
            timing = "on time";
        }
        else
        {
            delivered = due + Between(1, T.LateSlotsMax);
            late = delivered - due;
            timing = "late";
        }

        if (seeker && !extension && Chance(0.5))
        {
            // Past the due time the order is late or already delivered: an extension accepted now (by a
            // silent buyer too, after 48 h) would erase lateness already incurred, so it must be refused.
            Add(new Step(due + 1, Act.OpenExtension, Party.Seller, Refused: true, Value: 3 * day * _options.SlotHours,
                Attempt: "an extension asked once the order was late or delivered"));
        }

        int? replyDelay = null;
        if (Chance(B.Questions) && delivered - 1 >= placed + 1)
        {
            int question = Between(placed + 1, delivered - 1);
            replyDelay = Between(T.ReplyMin, T.ReplyMax);
            int reply = question + replyDelay.Value;
            Add(question, Act.Question, Party.Buyer);
            Add(reply, Act.Reply, Party.Seller);
            if (B.AcceptsDelivery && reply < delivered)
            {
                Add(reply, Act.BuyerMessage, Party.Buyer);
            }
        }

        bool conversation = replyDelay is not null;
        if (late > day && Chance(B.CancelsLate))
        {
            // More than 24 h late: the buyer may cancel alone (it counts against the seller), and the
            // cancelled order may be reviewed if the buyer has completed an order before (Reviews decides).
            int cancelAt = due + day + 1;
            Add(new Step(cancelAt, Act.Cancel, Party.Buyer, Reason: CancellationReason.LateDelivery));
            Add(new Step(cancelAt + 1, Act.CancelledOrderReview, Party.Buyer, Ratings: Rate(late, 0, replyDelay, trouble: 1.5)));
            return "cancelled late by the buyer";
        }

        Add(delivered, Act.Deliver, Party.Seller);
        int t = delivered;
        int lastDelivery = delivered;

        if (Chance(_buyer.Profile == BuyerProfile.Hostile ? 0.04 : 0.004))
        {
            var reason = Chance(0.5) ? CancellationReason.ChargebackDispute : CancellationReason.ChargebackFraud;
            Add(new Step(delivered + 1, Act.Cancel, Party.Internal, Reason: reason));
            return reason == CancellationReason.ChargebackFraud ? "chargeback (fraud: exempt)" : "chargeback (dispute)";
        }

        bool disputed = false;
        if (Chance(B.Disputes))
        {
            // A cancellation request the seller rejects (a dispute), sent to support.
            Add(new Step(t + 1, Act.OpenCancellationRequest, Party.Buyer, Reason: CancellationReason.NotAsDescribed));
            Add(new Step(t + 2, Act.RespondToResolution, Party.Seller, Flag: false));
            Add(t + 3, Act.Escalate, Party.Buyer);
            bool grant = Chance(0.5);
            Add(new Step(t + 4, Act.ResolveDispute, Party.Support, Flag: grant));
            if (grant)
            {
                return $"delivered {timing}, disputed: support cancelled it for the buyer";
            }

            disputed = true;
            t += 4;
        }

        int revisions = 0;
        while (revisions < 2 && Chance(B.Revisions * (revisions == 0 ? 1 : 0.4)))
        {
            int asked = t + Between(1, 2);
            Add(asked, Act.RequestRevision, Party.Buyer);
            revisions++;
            if (revisions > _gig.RevisionsIncluded && Chance(0.5))
            {
                Add(asked + 1, Act.DeclineRevision, Party.Seller);
                t = lastDelivery = asked + 1;
                break;
            }

            Add(asked + 1, Act.Start, Party.Seller);
            t = lastDelivery = asked + 1 + Between(1, 4);
            Add(t, Act.Deliver, Party.Seller);
        }

        if (!disputed && Chance(0.03))
        {
            long refund = Math.Max(1, _gig.PriceCents * 15 / 100);
            Add(new Step(t + 1, Act.OpenRefund, Party.Buyer, Value: (int)Math.Min(int.MaxValue, refund)));
            Add(new Step(t + 2, Act.RespondToResolution, Party.Seller, Flag: true));
            t += 2;
        }

        int completed;
        string completion;
        if (B.AcceptsDelivery)
        {
            completed = Math.Min(t + Between(1, 2 * day), lastDelivery + (3 * day) - 1);
            Add(completed, Act.Accept, Party.Buyer);
            completion = "accepted";
        }
        else
        {
            completed = lastDelivery + (3 * day);
            completion = "completed automatically";
        }

        bool reviews = Chance(B.Reviews);
        if (conversation && Chance(T.ReviewRequests))
        {
            if (seeker && Chance(0.6))
            {
                Add(new Step(completed + 1, Act.ReviewRequest, Party.Seller, Refused: true,
                    Text: "Happy with the work? Leave a 5 star review and get a 20% discount on your next order!",
                    Attempt: "review request offering a discount for 5 stars"));
            }
            else
            {
                Add(new Step(completed + 1, Act.ReviewRequest, Party.Seller,
                    Text: "Thank you for your order! If you have a moment, an honest review would help me a lot."));
            }
        }

        string reviewed = "";
        if (reviews)
        {
            var ratings = Rate(late, revisions, replyDelay, trouble: (disputed ? 1.2 : 0) + (timing == "extension rejected" ? 0.5 : 0) + (extension ? 0.2 : 0));
            int review = completed + 2 + _r.Next(10 * day);
            Add(new Step(review, Act.BuyerReview, Party.Buyer, Ratings: ratings));
            int published;
            if (Chance(0.7))
            {
                published = review + Between(1, 4);
                int rating = _buyer.Profile == BuyerProfile.Hostile ? Between(1, 3) : Between(4, 5);
                Add(new Step(published, Act.SellerReview, Party.Seller, Value: rating,
                    Text: rating >= 4 ? "Clear brief and quick answers, a pleasure." : "Hard to work with, changed the brief twice."));
            }
            else
            {
                published = completed + (14 * day); // the window ends: Reviews publishes it
            }

            reviewed = $", reviewed {ratings.Overall}*";
            if (_buyer.Profile == BuyerProfile.Hostile && ratings.Overall <= 2 && Chance(0.35))
            {
                Add(new Step(published + 1, Act.RemoveReview, Party.Support, Text: "abusive language (terms of service 4.2)"));
                reviewed += ", removed by support";
            }
            else if (Chance(ratings.Overall <= 3 ? 0.4 : 0.1))
            {
                Add(new Step(published + 1, Act.SellerResponse, Party.Seller,
                    Text: ratings.Overall <= 3 ? "Sorry this was not what you hoped for; I did my best with the brief." : "Thank you, it was a pleasure!"));
            }
        }

        return $"delivered {timing}{(revisions > 0 ? $", {revisions} revision(s)" : "")}, {completion}{reviewed}";
    }

    /// <summary>A claim the facts do not support, by a seller seeking an exemption (SPEC 2): the platform must refuse it.</summary>
    private Step FalseClaim(int slot) => _r.Next(4) switch
    {
        0 => new Step(slot, Act.Cancel, Party.Seller, Refused: true, Reason: CancellationReason.BuyerUnresponsive, Flag: true,
            Attempt: "buyer unresponsive without Messaging's mark"),
        1 => new Step(slot, Act.Cancel, Party.Seller, Refused: true, Reason: CancellationReason.MissingRequirements,
            Attempt: "missing requirements after they were sent"),
        2 => new Step(slot, Act.Cancel, Party.Seller, Refused: true, Reason: CancellationReason.PlacedByMistake,
            Attempt: "placed by mistake, claimed by the seller"),
        _ => new Step(slot, Act.OpenCancellationRequest, Party.Seller, Refused: true, Reason: CancellationReason.BuyerUnresponsive,
            Attempt: "Resolution Center request: buyer unresponsive without a mark"),
    };

    /// <summary>The stars the buyer gives: the seller's quality, the buyer's bias, and what happened to the order.</summary>
    private PlannedRatings Rate(int late, int revisions, int? replyDelay, double trouble)
    {
        double lateDays = late / (double)_day;
        double experience = 1 + (4 * _gig.Seller.Quality) + B.Bias + (World.Normal(_r) * 0.6)
            - (late > 0 ? 0.4 + (0.4 * lateDays) : 0) - (0.25 * revisions) - trouble;
        int Stars(double x) => (int)Math.Clamp(Math.Round(x), 1, 5);
        int overall = Stars(experience);
        double talk = replyDelay is { } d ? (d <= 1 ? 0.3 : -0.35 * (d - 1)) : 0;
        int? privateRating = Chance(0.7) ? (int)Math.Clamp(Math.Round((2 * experience) + World.Normal(_r)), 0, 10) : null;
        string text = overall switch
        {
            5 => "Excellent work, delivered exactly as described. Will order again.",
            4 => "Good work and clear communication, a few small things to fix.",
            3 => "It was fine in the end, but it took more back and forth than expected.",
            2 => "Disappointing: late and not quite what I asked for.",
            _ => "Very poor experience, the work did not match the description at all.",
        };
        return new PlannedRatings(overall, Stars(experience + talk + (World.Normal(_r) * 0.4)), Stars(experience + (World.Normal(_r) * 0.4)),
            Stars(experience - (0.1 * _gig.Band.Index) + (World.Normal(_r) * 0.5)), overall >= 4, privateRating, text);
    }
}
