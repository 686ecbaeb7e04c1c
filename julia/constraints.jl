"""
    HayekConstraints

Battery rule checks and the projection of an infeasible action onto the
nearest feasible one, the Julia twin of `hayeknet.constraints.rules` and
`hayeknet.constraints.projection` (NumPy/SciPy reference). Standard library only.

An action is a net power `net_mw` (discharge - charge, MW) and AS capacity
offers `offers[k]` (MW) for the products `products[k]` (`REGUP`, `REGDN`,
`RRS`, `ECRS`, `NSPIN`). The projection solves, on each side of `net = 0`,
the least-distance problem `min ||z||` subject to `G (a + z) <= h` by
Lawson & Hanson's LDP algorithm (one non-negative least squares problem,
`nnls` below), and keeps the nearer solution. See the Python module
docstrings for the rows of `G`.

  - `check_action(net_mw, products, offers, soc_mwh, limits, dt_hours; lo, hi, tol)`
    returns a vector of `(rule, field)` pairs (empty when feasible);
  - `project_action(net_mw, products, offers, soc_mwh, limits, dt_hours; lo, hi, min_soc_after)`
    returns `(net_mw, offers)`.
"""
module HayekConstraints

using LinearAlgebra: norm

export BatteryLimits, check_action, half_constraints, least_distance_point, nnls, project_action

const AS_DURATION_HOURS = Dict(
    "REGUP" => 0.5,
    "REGDN" => 0.5,
    "RRS" => 0.5,
    "ECRS" => 1.0,
    "NSPIN" => 4.0,
)
const UP_PRODUCTS = ("REGUP", "RRS", "ECRS", "NSPIN")
const DOWN_PRODUCTS = ("REGDN",)

"""
    BatteryLimits(power_mw, soc_min_mwh, soc_max_mwh, charge_efficiency, discharge_efficiency)

The battery's limits (MW, MWh, efficiencies in (0, 1]).
"""
struct BatteryLimits
    power_mw::Float64
    soc_min_mwh::Float64
    soc_max_mwh::Float64
    charge_efficiency::Float64
    discharge_efficiency::Float64
end

"""
    product_names(products)

AS product names as a `Vector{String}` (accepts any iterable of strings, e.g. a
Python tuple or list passed through juliacall).
"""
product_names(products) = String[string(p) for p in products]

function check_products(products::AbstractVector{String})
    for product in products
        haskey(AS_DURATION_HOURS, product) ||
            throw(ArgumentError("unknown AS product $product"))
    end
    return nothing
end

is_up(product::AbstractString) = product in UP_PRODUCTS
is_down(product::AbstractString) = product in DOWN_PRODUCTS

"""
    check_action(net_mw, products, offers, soc_mwh, limits, dt_hours; lo, hi, tol)

Rules of one interval (power, SOC window, AS non-negative, AS power headroom,
NPRR1282 duration backing, corridor bounds `lo <= net <= hi`); returns the
broken `(rule, field)` pairs.
"""
function check_action(
    net_mw::Real,
    products,
    offers::AbstractVector{<:Real},
    soc_mwh::Real,
    limits::BatteryLimits,
    dt_hours::Real;
    lo::Real = -Inf,
    hi::Real = Inf,
    tol::Real = 1e-6,
)
    names = product_names(products)
    length(names) == length(offers) ||
        throw(DimensionMismatch("products and offers differ in length"))
    out = Tuple{String, String}[]
    charge = max(-net_mw, 0.0)
    discharge = max(net_mw, 0.0)
    p_max = limits.power_mw
    eta_c = limits.charge_efficiency
    eta_d = limits.discharge_efficiency
    charge > p_max + tol && push!(out, ("power_limit", "charge_mw"))
    discharge > p_max + tol && push!(out, ("power_limit", "discharge_mw"))
    soc_end = soc_mwh + (eta_c * charge - discharge / eta_d) * dt_hours
    for (field, soc) in (("soc_start_mwh", soc_mwh), ("soc_end_mwh", soc_end))
        if soc < limits.soc_min_mwh - tol || soc > limits.soc_max_mwh + tol
            push!(out, ("soc_limit", field))
        end
    end
    up_mw = 0.0
    up_mwh = 0.0
    dn_mw = 0.0
    dn_mwh = 0.0
    for (product, mw) in zip(names, offers)
        known = haskey(AS_DURATION_HOURS, product)
        !known && abs(mw) > tol && push!(out, ("as_unknown_product", "as_mw[$product]"))
        mw < -tol && push!(out, ("as_nonnegative", "as_mw[$product]"))
        known || continue
        if is_up(product)
            up_mw += mw
            up_mwh += mw * AS_DURATION_HOURS[product] / eta_d
        elseif is_down(product)
            dn_mw += mw
            dn_mwh += mw * AS_DURATION_HOURS[product] * eta_c
        end
    end
    up_mw > tol && discharge + up_mw > p_max + tol && push!(out, ("as_power_headroom", "up_as_mw"))
    dn_mw > tol && charge + dn_mw > p_max + tol && push!(out, ("as_power_headroom", "regdn_mw"))
    if up_mwh > tol && min(soc_mwh, soc_end) - up_mwh < limits.soc_min_mwh - tol
        push!(out, ("as_duration_backing", "up_as_mw"))
    end
    if dn_mwh > tol && max(soc_mwh, soc_end) + dn_mwh > limits.soc_max_mwh + tol
        push!(out, ("as_duration_backing", "regdn_mw"))
    end
    (net_mw < lo - tol || net_mw > hi + tol) && push!(out, ("corridor_limit", "net_mw"))
    return out
end

"""
    half_constraints(side, products, soc_mwh, limits, dt_hours, lo, hi, min_soc_after)

Rows `G v <= h` of one side (`"discharge"`: net >= 0, `"charge"`: net <= 0) for
`v = (net, offers...)`.
"""
function half_constraints(
    side::AbstractString,
    products,
    soc_mwh::Real,
    limits::BatteryLimits,
    dt_hours::Real,
    lo::Real,
    hi::Real,
    min_soc_after::Real,
)
    names = product_names(products)
    check_products(names)
    k = length(names)
    p_max = limits.power_mw
    s = Float64(soc_mwh)
    dt = Float64(dt_hours)
    eta_c = limits.charge_efficiency
    eta_d = limits.discharge_efficiency
    floor_mwh = max(limits.soc_min_mwh, min_soc_after)
    up = [is_up(q) ? 1.0 : 0.0 for q in names]
    up_hours = [is_up(q) ? AS_DURATION_HOURS[q] : 0.0 for q in names]
    dn = [is_down(q) ? 1.0 : 0.0 for q in names]
    dn_hours = [is_down(q) ? AS_DURATION_HOURS[q] : 0.0 for q in names]
    none = zeros(k)
    rows = Vector{Vector{Float64}}()
    rhs = Float64[]
    add!(net_coef, as_coef, bound) = (push!(rows, vcat(net_coef, as_coef)); push!(rhs, bound))
    for i in 1:k
        unit = zeros(k)
        unit[i] = -1.0
        add!(0.0, unit, 0.0)
    end
    isfinite(hi) && add!(1.0, none, hi)
    isfinite(lo) && add!(-1.0, none, -lo)
    add!(0.0, up_hours ./ eta_d, s - limits.soc_min_mwh)
    add!(0.0, dn_hours .* eta_c, limits.soc_max_mwh - s)
    if side == "discharge"
        add!(-1.0, none, 0.0)
        add!(1.0, none, p_max)
        add!(dt / eta_d, none, s - floor_mwh)
        add!(1.0, up, p_max)
        add!(dt / eta_d, up_hours ./ eta_d, s - limits.soc_min_mwh)
        add!(0.0, dn, p_max)
    elseif side == "charge"
        add!(1.0, none, 0.0)
        add!(-1.0, none, p_max)
        add!(-dt * eta_c, none, limits.soc_max_mwh - s)
        add!(dt * eta_c, none, s - floor_mwh)
        add!(0.0, up, p_max)
        add!(-1.0, dn, p_max)
        add!(-dt * eta_c, dn_hours .* eta_c, limits.soc_max_mwh - s)
    else
        throw(ArgumentError("side must be \"discharge\" or \"charge\", got $side"))
    end
    g = permutedims(reduce(hcat, rows))
    return g, rhs
end

"""
    nnls(a, b; tol, max_iter)

Non-negative least squares `min ||a x - b||`, `x >= 0` (Lawson & Hanson 1974,
active-set algorithm).
"""
function nnls(
    a::AbstractMatrix{<:Real},
    b::AbstractVector{<:Real};
    tol::Real = 1e-12,
    max_iter::Integer = 50 * size(a, 2),
)
    n = size(a, 2)
    x = zeros(n)
    passive = falses(n)
    w = a' * (b - a * x)
    iter = 0
    while iter < max_iter
        candidates = findall(j -> !passive[j] && w[j] > tol, 1:n)
        isempty(candidates) && break
        iter += 1
        passive[candidates[argmax(w[candidates])]] = true
        while true
            idx = findall(passive)
            if isempty(idx)
                x .= 0.0
                break
            end
            z = zeros(n)
            z[idx] = a[:, idx] \ b
            if all(z[idx] .> 0)
                x = z
                break
            end
            alpha = minimum(x[i] / (x[i] - z[i]) for i in idx if z[i] <= 0)
            x = x .+ alpha .* (z .- x)
            for i in idx
                if x[i] <= tol
                    passive[i] = false
                    x[i] = 0.0
                end
            end
        end
        w = a' * (b - a * x)
    end
    return x
end

"""
    least_distance_point(g, h, point)

Point of `{v : g v <= h}` nearest to `point` (Lawson-Hanson LDP), or `nothing`
when the set is empty.
"""
function least_distance_point(g::AbstractMatrix{<:Real}, h::AbstractVector{<:Real}, point::AbstractVector{<:Real})
    e_mat = -g
    f = g * point - h
    all(f .<= 1e-9) && return Vector{Float64}(point)
    scale = max(1.0, maximum(abs, f), maximum(abs, e_mat))
    m = vcat(permutedims(e_mat), permutedims(f)) ./ scale
    target = zeros(size(m, 1))
    target[end] = 1.0
    u = nnls(m, target)
    residual = m * u - target
    (norm(residual) < 1e-12 || residual[end] > -1e-12) && return nothing
    candidate = point .+ (-residual[1:(end - 1)] ./ residual[end])
    any(g * candidate - h .> 1e-7 * max(1.0, maximum(abs, h))) && return nothing
    return candidate
end

"""
    project_action(net_mw, products, offers, soc_mwh, limits, dt_hours; lo, hi, min_soc_after)

Nearest feasible `(net_mw, offers)` (Euclidean in MW); throws `ArgumentError`
when nothing is feasible.
"""
function project_action(
    net_mw::Real,
    products,
    offers::AbstractVector{<:Real},
    soc_mwh::Real,
    limits::BatteryLimits,
    dt_hours::Real;
    lo::Real = -Inf,
    hi::Real = Inf,
    min_soc_after::Real = -Inf,
)
    names = product_names(products)
    check_products(names)
    length(names) == length(offers) ||
        throw(DimensionMismatch("products and offers differ in length"))
    dt_hours > 0 || throw(ArgumentError("dt_hours must be > 0"))
    if !(limits.soc_min_mwh - 1e-9 <= soc_mwh <= limits.soc_max_mwh + 1e-9)
        throw(ArgumentError("SOC $soc_mwh MWh is outside the window: AS cannot be backed"))
    end
    point = vcat(Float64(net_mw), Vector{Float64}(offers))
    best = nothing
    for side in ("discharge", "charge")
        g, h = half_constraints(side, names, soc_mwh, limits, dt_hours, lo, hi, min_soc_after)
        candidate = least_distance_point(g, h, point)
        candidate === nothing && continue
        if best === nothing || norm(candidate - point) < norm(best - point)
            best = candidate
        end
    end
    best === nothing && throw(ArgumentError("no feasible action at SOC $soc_mwh MWh"))
    return best[1], max.(best[2:end], 0.0)
end

end # module
