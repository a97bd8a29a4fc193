"""A small program to trace: prices a few orders, with a retry and a recursive helper.

pyscope's demo traces it with examples/call_hierarchy.d; only what runs inside main() is shown.
"""
import gc


class OutOfStock(Exception):
    pass


def price(item, qty):
    if item == "kiwi":
        raise OutOfStock(item)
    return {"apple": 3, "pear": 4}[item] * qty


def discount(total, depth):
    if depth == 0:
        return total
    return discount(total * 9 // 10, depth - 1)


def order(item, qty):
    try:
        return discount(price(item, qty), 2)
    except OutOfStock:
        return 0


def main():
    totals = [order(item, qty) for item, qty in [("apple", 10), ("kiwi", 1), ("pear", 5)]]
    basket = {"items": totals}
    basket["self"] = basket          # a cycle only the garbage collector can free
    del basket
    gc.collect()
    return sum(totals)


if __name__ == "__main__":
    print("total:", main())
