using System.Globalization;
using System.Numerics;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Store;

/// <summary>
/// What Scoring knows of one order, merged from three event streams, each part guarded by the
/// version of its own entity so late, repeated and out-of-order events change nothing:
/// the order snapshot (Orders, <c>ov</c>), the buyer's review (Reviews, <c>rv</c>) and the order's
/// conversation (Messaging, <c>cv</c>). Any part may arrive first. Times are UTC ticks
/// (100 ns, the precision of the events' timestamps as .NET reads them), so nothing is rounded.
/// The hash also holds <c>c</c>: the contribution the order currently adds to its Gig (16 integers),
/// so a correction subtracts exactly what was added.
/// </summary>
public sealed record OrderRecord
{
    public static readonly OrderRecord Empty = new();

    // ---- order part (Orders) ----
    public long OrderVersion { get; init; }
    public string GigId { get; init; } = "";
    public string SellerId { get; init; } = "";
    public string BuyerId { get; init; } = "";
    public string Category { get; init; } = "";
    public string Currency { get; init; } = "";
    public long AmountMinor { get; init; }
    public long RefundedMinor { get; init; }
    public Proto.OrderState State { get; init; }
    public long CreatedTicks { get; init; }
    public long DueTicks { get; init; }
    public long? FirstDeliveredTicks { get; init; }
    public long? CompletedTicks { get; init; }
    public long? CancelledTicks { get; init; }
    public Proto.CancellationInitiator CancelledBy { get; init; }
    public Proto.CancellationReason CancelReason { get; init; }
    public int Disputes { get; init; }
    public int SupportContacts { get; init; }

    // ---- review part (Reviews) ----
    public long ReviewVersion { get; init; }
    public ReviewStatus ReviewStatus { get; init; }
    public long? ReviewPublishedTicks { get; init; }
    public BuyerRatings? Ratings { get; init; }

    // ---- conversation part (Messaging) ----
    public long ConversationVersion { get; init; }
    public int SellerUnresponsiveMarks { get; init; }

    /// <summary>
    /// UTC ticks the seller waited on an unresponsive buyer before delivery (Messaging's
    /// <c>buyer_unresponsive_wait</c>): kept out of lateness. The buyer-unresponsive marks themselves
    /// change nothing in the score (SPEC 3, 5.1), so they are not kept.
    /// </summary>
    public long BuyerWaitTicks { get; init; }
    public long SellerResponseTotalTicks { get; init; }
    public int SellerReplies { get; init; }

    /// <summary>The contribution currently counted in the Gig's sums; null when the order is not counted.</summary>
    public OrderContribution? Counted { get; init; }

    /// <summary>True once an order snapshot arrived (reviews and messages can come first).</summary>
    public bool HasOrder => OrderVersion > 0;

    /// <summary>The buyer's review is public and counts (SPEC 4: reviews count once published, and stop when removed).</summary>
    public bool HasPublishedReview => ReviewStatus == ReviewStatus.Published && Ratings is not null;

    /// <summary>The order part from an Orders snapshot.</summary>
    public OrderRecord WithOrder(Proto.Order o) => this with
    {
        OrderVersion = o.Version,
        GigId = o.GigId,
        SellerId = o.SellerId,
        BuyerId = o.BuyerId,
        Category = o.Category,
        Currency = o.Amount?.CurrencyCode ?? "",
        AmountMinor = o.Amount?.AmountMinor ?? 0,
        RefundedMinor = o.Refunded?.AmountMinor ?? 0,
        State = o.State,
        CreatedTicks = Ticks(o.CreatedAt) ?? 0,
        DueTicks = Ticks(o.DueAt) ?? 0,
        FirstDeliveredTicks = Ticks(o.FirstDeliveredAt),
        CompletedTicks = o.State == Proto.OrderState.Completed ? Ticks(o.CompletedAt) : null,
        CancelledTicks = o.State == Proto.OrderState.Cancelled ? Ticks(o.Cancellation?.CancelledAt) : null,
        CancelledBy = o.State == Proto.OrderState.Cancelled ? o.Cancellation?.Initiator ?? default : default,
        CancelReason = o.State == Proto.OrderState.Cancelled ? o.Cancellation?.Reason ?? default : default,
        Disputes = o.DisputeCount,
        SupportContacts = o.SupportContactCount,
    };

    /// <summary>The review part from a Reviews snapshot.</summary>
    public OrderRecord WithReview(Review r) => this with
    {
        ReviewVersion = r.Version,
        ReviewStatus = r.Status,
        ReviewPublishedTicks = Ticks(r.PublishedAt),
        Ratings = r.Ratings?.Clone(),
    };

    /// <summary>The conversation part from a Messaging snapshot of the order's conversation.</summary>
    public OrderRecord WithConversation(Contracts.Messaging.V1.Conversation c) => this with
    {
        ConversationVersion = c.Version,
        SellerUnresponsiveMarks = c.SellerUnresponsiveCount,
        BuyerWaitTicks = c.BuyerUnresponsiveWait?.ToTimeSpan().Ticks ?? 0,
        SellerResponseTotalTicks = c.TotalSellerResponseTime?.ToTimeSpan().Ticks ?? 0,
        SellerReplies = c.SellerReplyCount,
    };

    /// <summary>
    /// The engine's facts of this order, or null while the order itself is unknown. The amount
    /// must be convertible to USD (<paramref name="toUsd"/> returns null otherwise, and this throws).
    /// </summary>
    public OrderFacts? ToFacts(string orderId, Func<string, decimal, decimal?> toUsd)
    {
        if (!HasOrder)
        {
            return null;
        }

        var usd = toUsd(Currency, AmountMinor)
            ?? throw new InvalidOperationException($"order {orderId}: no USD rate for currency '{Currency}' (configure Scoring:Currencies:{Currency})");
        return new OrderFacts
        {
            OrderId = orderId,
            GigId = GigId,
            AmountUsd = usd,
            CreatedAt = Time(CreatedTicks),
            DueAt = Time(DueTicks),
            FirstDeliveryAt = FirstDeliveredTicks is { } d ? Time(d) : null,
            CompletedAt = CompletedTicks is { } c ? Time(c) : null,
            Cancellation = CancelledTicks is { } x ? new CancellationFacts(Time(x), Initiator(CancelledBy), Reason(CancelReason)) : null,
            BuyerUnresponsiveWait = TimeSpan.FromTicks(BuyerWaitTicks),
            SellerUnresponsive = SellerUnresponsiveMarks > 0,
            SellerResponseHours = SellerReplies > 0 ? TimeSpan.FromTicks(SellerResponseTotalTicks).TotalHours / SellerReplies : null,
            DisputeOpened = Disputes > 0,
            EscalatedToSupport = SupportContacts > 0,
            Review = HasPublishedReview
                ? new ReviewFacts(Ratings!.Overall, Ratings.Communication, Ratings.Quality, Ratings.ValueForMoney, Ratings.WouldRecommend)
                : null,
            // Absent is absent, not 0 (SPEC 5.1): the satisfaction area then uses what the buyer gave.
            PrivateRating = HasPublishedReview && Ratings!.HasPrivateRating ? Ratings.PrivateRating : null,
        };
    }

    // ---- Redis hash ----

    /// <summary>
    /// The record as stored in <see cref="ScoringKeys.Order"/>: each part present with its version
    /// field (<c>ov</c>, <c>rv</c>, <c>cv</c>) or absent as a whole; <see cref="Empty"/> for an empty hash.
    /// </summary>
    public static OrderRecord FromFields(HashReader f)
    {
        var reader = new FieldReader(f.Record);
        foreach (var (name, value) in f.Fields)
        {
            reader.Set(name, value);
        }

        return reader.Build();
    }

    /// <summary>
    /// What the rebuild's read script returns for an order: its packed value (<see cref="Pack"/>, which
    /// starts with the format and <see cref="Separator"/>), or a hash of the earlier layout packed whole
    /// (<see cref="FromPacked"/>: it starts with a field name, and no name holds a control character).
    /// </summary>
    public static OrderRecord FromReadScript(string record, ReadOnlySpan<char> value)
    {
        if (value.Length > 1 && value[1] == Separator && (value[0] == PackedFormat[0] || value[0] == FirstPackedFormat[0]))
        {
            var reader = new FieldReader(record);
            reader.Set(RecordField, value);
            return reader.Build();
        }

        return FromPacked(record, value);
    }

    /// <summary>
    /// The record from its hash packed into one string by a read script (names and values joined
    /// by NUL, <see cref="HashReader.FromPacked"/>'s format), read in one pass with no map and no
    /// string per field: a rebuild reads a million of these.
    /// </summary>
    public static OrderRecord FromPacked(string record, ReadOnlySpan<char> packed)
    {
        var reader = new FieldReader(record);
        var pairs = new PackedHash(record, packed);
        while (pairs.MoveNext())
        {
            reader.Set(pairs.Name, pairs.Value);
        }

        return reader.Build();
    }

    /// <summary>
    /// The one parser of the stored layout (<see cref="ToFields"/>): takes the fields in any order,
    /// then builds the record, refusing a part whose version is there without its required fields,
    /// with <see cref="HashReader"/>'s messages (record and field named). Unknown fields are ignored.
    /// </summary>
    private struct FieldReader(string record)
    {
        // Presence bits, one per field read.
        public const int Ov = 0, Gig = 1, Seller = 2, Buyer = 3, Cat = 4, Cur = 5, Amt = 6, Refunded = 7, State = 8, Created = 9, Due = 10,
            Delivered = 11, Completed = 12, CxAt = 13, CxBy = 14, CxReason = 15, Disputes = 16, Support = 17,
            Rv = 18, RStatus = 19, RPub = 20, RO = 21, RC = 22, RQ = 23, RV = 24, RRec = 25, RP = 26,
            Cv = 27, Su = 28, Bw = 29, Rt = 30, Rn = 31, C = 32, R = 33;

        public static readonly string[] Names =
        [
            "ov", "gig", "seller", "buyer", "cat", "cur", "amt", "refunded", "state", "created", "due",
            "delivered", "completed", "cx_at", "cx_by", "cx_reason", "disputes", "support",
            "rv", "r_status", "r_pub", "r_o", "r_c", "r_q", "r_v", "r_rec", "r_p",
            "cv", "su", "bw", "rt", "rn", "c",
        ];

        private Numbers _numbers;
        private string _gig = "", _seller = "", _buyer = "", _cat = "", _cur = "", _counted = "";
        private long _present;

        public void Set(ReadOnlySpan<char> name, ReadOnlySpan<char> value)
        {
            int field = name switch
            {
                "ov" => Ov, "gig" => Gig, "seller" => Seller, "buyer" => Buyer, "cat" => Cat, "cur" => Cur, "amt" => Amt,
                "refunded" => Refunded, "state" => State, "created" => Created, "due" => Due, "delivered" => Delivered,
                "completed" => Completed, "cx_at" => CxAt, "cx_by" => CxBy, "cx_reason" => CxReason, "disputes" => Disputes,
                "support" => Support, "rv" => Rv, "r_status" => RStatus, "r_pub" => RPub, "r_o" => RO, "r_c" => RC,
                "r_q" => RQ, "r_v" => RV, "r_rec" => RRec, "r_p" => RP, "cv" => Cv, "su" => Su, "bw" => Bw, "rt" => Rt,
                "rn" => Rn, "c" => C,
                RecordField => R,
                _ => -1,
            };
            switch (field)
            {
                case < 0:
                    return;
                case R:
                    SetRecord(value);
                    return;
                default:
                    SetField(field, value);
                    return;
            }
        }

        /// <summary>
        /// The packed layout (<see cref="Pack"/>): the format's version, then every field of the
        /// parts in <see cref="Names"/> order, separated by <see cref="Separator"/>; an empty number
        /// is an unset one, and a string is there whenever its part is.
        /// </summary>
        private void SetRecord(ReadOnlySpan<char> packed)
        {
            var rest = packed;
            int at = rest.IndexOf(Separator);
            if (at < 0 || !(rest[..at].SequenceEqual(PackedFormat) || rest[..at].SequenceEqual(FirstPackedFormat)))
            {
                throw new FormatException($"{record} field '{RecordField}' is not a packed record of format {FirstPackedFormat} or {PackedFormat}");
            }

            for (int field = 0; field < C; field++)
            {
                if (at < 0)
                {
                    throw new FormatException($"{record} field '{RecordField}' ends before field '{Names[field]}'");
                }

                rest = rest[(at + 1)..];
                at = rest.IndexOf(Separator);
                var value = at < 0 ? rest : rest[..at];
                if (value.Length > 0 || IsString(field))
                {
                    SetField(field, value);
                }
            }

            if (at >= 0)
            {
                throw new FormatException($"{record} field '{RecordField}' has more fields than its format");
            }
        }

        private void SetField(int field, ReadOnlySpan<char> value)
        {
            switch (field)
            {
                case Gig: _gig = value.ToString(); break;
                case Seller: _seller = value.ToString(); break;
                case Buyer: _buyer = value.ToString(); break;
                case Cat: _cat = value.ToString(); break;
                case Cur: _cur = value.ToString(); break;
                case C: _counted = value.ToString(); break;
                case RRec:
                    _numbers[field] = value switch
                    {
                        "1" => 1,
                        "0" => 0,
                        _ => throw Bad(field, value),
                    };
                    break;
                default:
                    _numbers[field] = TryParseNumber(value, out long number) ? number : throw Bad(field, value);
                    break;
            }

            _present |= 1L << field;
        }

        public static bool IsString(int field) => field is Gig or Seller or Buyer or Cat or Cur;

        public readonly OrderRecord Build()
        {
            var order = Has(Ov);
            var review = Has(Rv);
            var conversation = Has(Cv);
            if (order)
            {
                Require(Gig, Seller, Buyer, Cat, Cur, Amt, Refunded, State, Created, Due, CxBy, CxReason, Disputes, Support);
            }

            if (review)
            {
                Require(RStatus);
            }

            var ratings = review && Has(RO) ? RatingsOf() : null;
            if (conversation)
            {
                Require(Su, Rt, Rn);
            }

            return new OrderRecord
            {
                Counted = Has(C) ? ParseContribution(_counted) : null,
                OrderVersion = order ? _numbers[Ov] : 0,
                GigId = order ? _gig : "",
                SellerId = order ? _seller : "",
                BuyerId = order ? _buyer : "",
                Category = order ? _cat : "",
                Currency = order ? _cur : "",
                AmountMinor = order ? _numbers[Amt] : 0,
                RefundedMinor = order ? _numbers[Refunded] : 0,
                State = order ? (Proto.OrderState)Int(State) : default,
                CreatedTicks = order ? _numbers[Created] : 0,
                DueTicks = order ? _numbers[Due] : 0,
                FirstDeliveredTicks = order ? Optional(Delivered) : null,
                CompletedTicks = order ? Optional(Completed) : null,
                CancelledTicks = order ? Optional(CxAt) : null,
                CancelledBy = order ? (Proto.CancellationInitiator)Int(CxBy) : default,
                CancelReason = order ? (Proto.CancellationReason)Int(CxReason) : default,
                Disputes = order ? Int(Disputes) : 0,
                SupportContacts = order ? Int(Support) : 0,
                ReviewVersion = review ? _numbers[Rv] : 0,
                ReviewStatus = review ? (ReviewStatus)Int(RStatus) : default,
                ReviewPublishedTicks = review ? Optional(RPub) : null,
                Ratings = ratings,
                ConversationVersion = conversation ? _numbers[Cv] : 0,
                SellerUnresponsiveMarks = conversation ? Int(Su) : 0,
                BuyerWaitTicks = conversation ? Optional(Bw) ?? 0 : 0,
                SellerResponseTotalTicks = conversation ? _numbers[Rt] : 0,
                SellerReplies = conversation ? Int(Rn) : 0,
            };
        }

        /// <summary>The buyer's ratings as stored: <c>r_p</c> only when the buyer gave a private rating.</summary>
        private readonly BuyerRatings RatingsOf()
        {
            Require(RC, RQ, RV, RRec);
            var ratings = new BuyerRatings
            {
                Overall = Int(RO),
                Communication = Int(RC),
                Quality = Int(RQ),
                ValueForMoney = Int(RV),
                WouldRecommend = _numbers[RRec] == 1,
            };
            if (Has(RP))
            {
                ratings.PrivateRating = Int(RP);
            }

            return ratings;
        }

        private readonly bool Has(int field) => (_present & (1L << field)) != 0;

        private readonly long? Optional(int field) => Has(field) ? _numbers[field] : null;

        private readonly int Int(int field) =>
            _numbers[field] is >= int.MinValue and <= int.MaxValue ? (int)_numbers[field] : throw Bad(field, _numbers[field].ToString(CultureInfo.InvariantCulture));

        private readonly void Require(params ReadOnlySpan<int> fields)
        {
            foreach (int field in fields)
            {
                if (!Has(field))
                {
                    throw new FormatException($"{record} field '{Names[field]}' is missing");
                }
            }
        }

        private readonly FormatException Bad(int field, ReadOnlySpan<char> value) => new($"{record} field '{Names[field]}' has a bad value '{value}'");

        /// <summary>The numbers read, by field (held in the struct: no array per record).</summary>
        [System.Runtime.CompilerServices.InlineArray(33)]
        private struct Numbers
        {
            private long _first;
        }
    }

    /// <summary>The hash field holding the record packed (<see cref="Pack"/>).</summary>
    public const string RecordField = "r";

    /// <summary>
    /// The packed record's format, its first value: 2 since 2026-12-03, whose numbers may be written
    /// with their trailing zeros as an exponent (<see cref="FormatNumber"/>: a time in ticks of a whole
    /// second takes 11 characters instead of 18). Format 1, all digits, is still read.
    /// </summary>
    private const string PackedFormat = "2";

    private const string FirstPackedFormat = "1";

    /// <summary>Between the packed record's values: ids, categories and currencies hold no control character (RequestFields.Id), numbers none.</summary>
    private const char Separator = '\u001f';

    /// <summary>
    /// The hash layout: <c>r</c>, the record packed into one value (<see cref="Pack"/>), and <c>c</c>,
    /// the contribution counted in the Gig's sums in generation 0 (the Gig projection changes it in
    /// the same commit); an empty record is an empty hash. The hash is replaced as a whole.
    /// One value instead of a field per fact (there were up to 32): a unit of work's commit checks
    /// one field, a rebuild reads one string per order, and the hash takes about half the memory.
    /// Hashes of the earlier layout (a field per fact, <see cref="FieldReader.Names"/>) are still
    /// read, and rewritten in this layout by the next event of their order.
    /// </summary>
    public HashWriter ToFields()
    {
        var f = new HashWriter();
        if (HasOrder || ReviewVersion > 0 || ConversationVersion > 0)
        {
            f.Set(RecordField, Pack());
        }

        if (Counted is { } counted)
        {
            f.Set("c", FormatContribution(counted));
        }

        return f;
    }

    /// <summary>
    /// The record as one string: the format, then every fact of the three parts in a fixed order
    /// (<see cref="FieldReader.Names"/>, without <c>c</c>), separated by <see cref="Separator"/>. A part
    /// that has not arrived has all its values empty; an unset time or rating is empty; times are
    /// UTC ticks, enums their numbers, booleans 1/0.
    /// </summary>
    public string Pack()
    {
        var values = new string?[FieldReader.C];
        if (HasOrder)
        {
            Put(values, FieldReader.Ov, OrderVersion);
            values[FieldReader.Gig] = GigId;
            values[FieldReader.Seller] = SellerId;
            values[FieldReader.Buyer] = BuyerId;
            values[FieldReader.Cat] = Category;
            values[FieldReader.Cur] = Currency;
            Put(values, FieldReader.Amt, AmountMinor);
            Put(values, FieldReader.Refunded, RefundedMinor);
            Put(values, FieldReader.State, (long)State);
            Put(values, FieldReader.Created, CreatedTicks);
            Put(values, FieldReader.Due, DueTicks);
            Put(values, FieldReader.Delivered, FirstDeliveredTicks);
            Put(values, FieldReader.Completed, CompletedTicks);
            Put(values, FieldReader.CxAt, CancelledTicks);
            Put(values, FieldReader.CxBy, (long)CancelledBy);
            Put(values, FieldReader.CxReason, (long)CancelReason);
            Put(values, FieldReader.Disputes, Disputes);
            Put(values, FieldReader.Support, SupportContacts);
        }

        if (ReviewVersion > 0)
        {
            Put(values, FieldReader.Rv, ReviewVersion);
            Put(values, FieldReader.RStatus, (long)ReviewStatus);
            Put(values, FieldReader.RPub, ReviewPublishedTicks);
            if (Ratings is { } r)
            {
                Put(values, FieldReader.RO, r.Overall);
                Put(values, FieldReader.RC, r.Communication);
                Put(values, FieldReader.RQ, r.Quality);
                Put(values, FieldReader.RV, r.ValueForMoney);
                Put(values, FieldReader.RRec, r.WouldRecommend ? 1 : 0);
                Put(values, FieldReader.RP, r.HasPrivateRating ? r.PrivateRating : null);
            }
        }

        if (ConversationVersion > 0)
        {
            Put(values, FieldReader.Cv, ConversationVersion);
            Put(values, FieldReader.Su, SellerUnresponsiveMarks);
            Put(values, FieldReader.Bw, BuyerWaitTicks);
            Put(values, FieldReader.Rt, SellerResponseTotalTicks);
            Put(values, FieldReader.Rn, SellerReplies);
        }

        foreach (var value in values)
        {
            if (value is not null && value.Contains(Separator, StringComparison.Ordinal))
            {
                throw new ArgumentException($"an order's facts hold no control character (found one in '{value}')");
            }
        }

        return PackedFormat + Separator + string.Join(Separator, values);

        static void Put(string?[] values, int field, long? value) =>
            values[field] = value is { } v ? FormatNumber(v) : null;
    }

    /// <summary>
    /// A number as its digits, or, when it ends in three zeros or more, as the digits before them, <c>e</c>
    /// and how many (638802558000000000 is <c>638802558e9</c>, 12000 is <c>12e3</c>): whichever is shorter.
    /// </summary>
    public static string FormatNumber(long value)
    {
        int zeros = 0;
        long mantissa = value;
        while (mantissa != 0 && mantissa % 10 == 0)
        {
            mantissa /= 10;
            zeros++;
        }

        return zeros >= 3
            ? string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{zeros}")
            : value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Reads <see cref="FormatNumber"/>'s text: digits with an optional sign, and an optional <c>e</c> and a count of zeros; false for anything else or a number out of range.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out long value)
    {
        int e = text.IndexOf('e');
        if (e < 0)
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        value = 0;
        if (!long.TryParse(text[..e], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long mantissa)
            || !int.TryParse(text[(e + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int zeros) || zeros > 18)
        {
            return false;
        }

        try
        {
            for (; zeros > 0; zeros--)
            {
                mantissa = checked(mantissa * 10);
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        value = mantissa;
        return true;
    }

    /// <summary>
    /// The contribution as text, compact: <c>outcome,landmark,included,mask,units</c>, then for each
    /// area of the mask in area order how far its weighted value falls short of <c>units</c> (0 for an
    /// index of 1). <see cref="OrderContribution.From"/> gives every area it applies to the same weight
    /// (<c>units</c>, the order's decayed value weight) and the others none, so that is the whole
    /// contribution in 5 to 11 numbers, about 60 characters where the 16 integers took about 170: a
    /// third of an order's hash (docs/scale.md, "Memory"). A contribution of any other shape is
    /// written as its 16 integers (<see cref="OrderContribution.ToFields"/>), the form written before
    /// 2026-12-03, which <see cref="ParseContribution"/> still reads: the count of numbers tells the
    /// two apart (16 against at most 11). Formatted in place: a rebuild writes a million.
    /// </summary>
    public static string FormatContribution(OrderContribution c)
    {
        long[] fields = c.ToFields();
        if (!TryCompact(fields, out long units))
        {
            return CommaNumbers.Join(fields);
        }

        Span<long> compact = stackalloc long[5 + Areas.Count];
        fields.AsSpan(0, 4).CopyTo(compact);
        compact[4] = units;
        int count = 5;
        for (int area = 0; area < Areas.Count; area++)
        {
            if ((fields[3] & (1L << area)) != 0)
            {
                compact[count++] = units - fields[4 + Areas.Count + area];
            }
        }

        return CommaNumbers.Join(compact[..count]);
    }

    /// <summary>
    /// Reads <see cref="FormatContribution"/>'s text, either form; a malformed one throws
    /// <see cref="FormatException"/> naming what is wrong (<see cref="OrderContribution.FromFields"/>
    /// checks every area's weights).
    /// </summary>
    public static OrderContribution ParseContribution(string text)
    {
        Span<long> values = stackalloc long[OrderContribution.FieldCount];
        int count = CommaNumbers.Parse(text, values, out var bad);
        if (count < 0)
        {
            throw new FormatException($"an order contribution holds a bad number '{text[bad]}'");
        }

        if (count > values.Length)
        {
            throw new FormatException($"an order contribution has at most {OrderContribution.FieldCount} numbers: '{text}'");
        }

        if (count == OrderContribution.FieldCount)
        {
            return OrderContribution.FromFields(values.ToArray());
        }

        if (count < 5 || values[3] is < 0 or >= 1 << Areas.Count || count != 5 + BitOperations.PopCount((ulong)values[3]))
        {
            throw new FormatException($"an order contribution has 16 numbers, or 5 and one per area of its mask: '{text}'");
        }

        long units = values[4];
        if (values[3] == 0 && units != 0)
        {
            throw new FormatException($"an order contribution without areas has no weight: '{text}'");
        }

        var fields = new long[OrderContribution.FieldCount];
        values[..4].CopyTo(fields);
        int next = 5;
        for (int area = 0; area < Areas.Count; area++)
        {
            if ((values[3] & (1L << area)) != 0)
            {
                fields[4 + area] = units;
                fields[4 + Areas.Count + area] = units - values[next++];
            }
        }

        return OrderContribution.FromFields(fields);
    }

    /// <summary>True when every area of the mask has the same weight (<paramref name="units"/>) and every other area none.</summary>
    private static bool TryCompact(long[] fields, out long units)
    {
        units = 0;
        bool first = true;
        for (int area = 0; area < Areas.Count; area++)
        {
            long weight = fields[4 + area];
            if ((fields[3] & (1L << area)) == 0)
            {
                if (weight != 0 || fields[4 + Areas.Count + area] != 0)
                {
                    return false;
                }
            }
            else if (first)
            {
                units = weight;
                first = false;
            }
            else if (weight != units)
            {
                return false;
            }
        }

        return true;
    }

    private static long? Ticks(Timestamp? t) => t?.ToDateTimeOffset().UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>The Orders initiator in the engine's terms.</summary>
    public static Engine.CancellationInitiator Initiator(Proto.CancellationInitiator initiator) => initiator switch
    {
        Proto.CancellationInitiator.Buyer => Engine.CancellationInitiator.Buyer,
        Proto.CancellationInitiator.Seller => Engine.CancellationInitiator.Seller,
        Proto.CancellationInitiator.Mutual => Engine.CancellationInitiator.Mutual,
        Proto.CancellationInitiator.Support => Engine.CancellationInitiator.Support,
        Proto.CancellationInitiator.Chargeback => Engine.CancellationInitiator.Chargeback,
        // Orders always records the initiator; an unknown one weighs as the seller's own.
        _ => Engine.CancellationInitiator.Seller,
    };

    /// <summary>The Orders reason in the engine's terms (the policy's rule table decides whether it counts).</summary>
    public static Engine.CancellationReason Reason(Proto.CancellationReason reason) => reason switch
    {
        Proto.CancellationReason.BuyerUnresponsive => Engine.CancellationReason.BuyerUnresponsive,
        Proto.CancellationReason.PlacedByMistake => Engine.CancellationReason.PlacedByMistake,
        Proto.CancellationReason.DuplicateOrder => Engine.CancellationReason.Duplicate,
        Proto.CancellationReason.MissingRequirements => Engine.CancellationReason.MissingRequirements,
        Proto.CancellationReason.SellerUnableToDeliver => Engine.CancellationReason.SellerUnableToDeliver,
        Proto.CancellationReason.LateDelivery => Engine.CancellationReason.LateDelivery,
        Proto.CancellationReason.NotAsDescribed => Engine.CancellationReason.QualityNotAsDescribed,
        Proto.CancellationReason.SellerUnresponsive => Engine.CancellationReason.SellerUnresponsive,
        Proto.CancellationReason.MutualAgreement => Engine.CancellationReason.MutualAgreement,
        Proto.CancellationReason.SupportInSellersFavour => Engine.CancellationReason.SupportInSellerFavour,
        Proto.CancellationReason.SupportInBuyersFavour => Engine.CancellationReason.SupportInBuyerFavour,
        Proto.CancellationReason.TermsViolation => Engine.CancellationReason.TermsViolation,
        Proto.CancellationReason.ChargebackFraud => Engine.CancellationReason.FraudChargeback,
        Proto.CancellationReason.ChargebackDispute => Engine.CancellationReason.Chargeback,
        _ => Engine.CancellationReason.Other,
    };
}
