using System.Linq.Expressions;
using Marten;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// The domain's conditions on a customer (<c>c =&gt; c.LastActivityAt &lt;= by</c>, joined by <c>&amp;&amp;</c>, compared with null), as
/// SQL on <see cref="CustomerSummaryTable"/>'s typed columns with <c>^</c> placeholders. A condition on a member without a column,
/// or of another shape, throws: a new trigger's bound needs its column first, never a silent full scan.
/// </summary>
internal static class CustomerConditions
{
    public static string ToSql(IDocumentStore store, Expression<Func<Customer, bool>> condition, List<object> parameters) =>
        new Translator(store, condition.Parameters[0], parameters).Sql(condition.Body);

    private static readonly string LastActivityColumn = CustomerSummaryTable.ColumnOf[nameof(Customer.LastActivityAt)];

    private sealed class Translator(IDocumentStore store, ParameterExpression customer, List<object> parameters)
    {
        public string Sql(Expression e) => e switch
        {
            BinaryExpression { NodeType: ExpressionType.AndAlso } and => $"({Sql(and.Left)} and {Sql(and.Right)})",
            BinaryExpression compare when Operator(compare.NodeType) is { } op => Compare(compare, op),
            _ => throw Unsupported(e),
        };

        private string Compare(BinaryExpression compare, string op)
        {
            // The member on either side: a value on the left flips the comparison.
            var (column, value, flipped) = ColumnOf(compare.Left) is { } left ? (left, compare.Right, false)
                : ColumnOf(compare.Right) is { } right ? (right, compare.Left, true)
                : throw Unsupported(compare);
            var operand = Expression.Lambda(Expression.Convert(value, typeof(object))).Compile().DynamicInvoke();
            if (operand is null)
                return op switch
                {
                    "=" => $"{column} is null",
                    "<>" => $"{column} is not null",
                    _ => "false", // C#'s lifted comparisons with null are false
                };
            var compared = flipped ? Flip(op) : op;
            if (column == LastActivityColumn && op is not ("=" or "<>"))
                return CustomerSummaryTable.ActivityBound(compared, (DateTimeOffset)operand, parameters);
            parameters.Add(operand switch
            {
                CustomerStatus status => CustomerSummaryTable.StatusText(store, status),
                DateTimeOffset at => at.ToUniversalTime(), // timestamptz takes offset 0 only
                _ => operand,
            });
            // C# says a null member differs from any value; SQL's <> would say unknown.
            return op == "<>" ? $"({column} is null or {column} <> ^)" : $"{column} {compared} ^";
        }

        private string? ColumnOf(Expression e)
        {
            while (e is UnaryExpression { NodeType: ExpressionType.Convert } convert)
                e = convert.Operand;
            return e is MemberExpression { Expression: var owner, Member.Name: var name } && owner == customer
                ? CustomerSummaryTable.ColumnOf.GetValueOrDefault(name) ?? throw Unsupported(e)
                : null;
        }

        private static string? Operator(ExpressionType type) => type switch
        {
            ExpressionType.Equal => "=",
            ExpressionType.NotEqual => "<>",
            ExpressionType.LessThan => "<",
            ExpressionType.LessThanOrEqual => "<=",
            ExpressionType.GreaterThan => ">",
            ExpressionType.GreaterThanOrEqual => ">=",
            _ => null,
        };

        private static string Flip(string op) => op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };

        private static NotSupportedException Unsupported(Expression e) =>
            new($"The condition {e} has no SQL on the customer summary's columns (Features/Customers/CustomerSummaryTable.cs).");
    }
}
