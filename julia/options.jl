"""
    HayekOptions

Monte Carlo option pricing on a mean-reverting jump-diffusion, the Julia twin of
`hayeknet.options.closed_forms`, `hayeknet.options.montecarlo` and
`hayeknet.options.strip` (the NumPy reference backend). Standard library only.

Random numbers are drawn in Python and passed in (`normals`, `jump_counts`,
`jump_times`, `jump_normals`), so both backends see identical inputs. Arrays
keep the NumPy layout: paths are rows (`n_paths x n_steps`), jump arrays are
`n_paths x n_steps x max_jumps`. Hour indices of the strip are 1-based here
(the Python wrapper adds 1).

  - `normal_cdf(x)`, `black76_call(forward, strike, maturity, volatility, rate)`
  - `margrabe_exchange(spot1, spot2, maturity, vol1, vol2, correlation, yield1, yield2)`
  - `log_ou_moments(log_spot, kappa, mean_log, sigma, horizon)`, `log_ou_call(...)`
  - `simulate_jump_ou(x0, kappa, mean_level, sigma, jump_mean, jump_std, dt, normals, jump_counts, jump_times, jump_normals)`
  - `expected_exp(x0, kappa, mean_level, sigma, jump_intensity, jump_mean, jump_std, horizon, coefficient)`
  - `mc_estimate(payoffs, method, control, control_mean)` returning `(value, std_error, beta)`
  - `strip_payoffs(prices, charge_hours, discharge_hours, eta, cost, mwh_per_pair)`
"""
module HayekOptions

using LinearAlgebra: SymTridiagonal, dot, eigen
using Statistics: mean, std

export black76_call, expected_exp, log_ou_call, log_ou_moments, margrabe_exchange,
    mc_estimate, normal_cdf, simulate_jump_ou, strip_payoffs

const METHODS = ("plain", "antithetic", "control", "antithetic+control")

"""
    normal_cdf(x)

Standard normal CDF (Hart 1968, as given by West 2005; absolute error below 1e-15).
"""
function normal_cdf(x::Real)
    xabs = abs(Float64(x))
    if xabs > 37.0
        tail = 0.0
    else
        e = exp(-xabs * xabs / 2.0)
        if xabs < 7.07106781186547
            b = 3.52624965998911e-2 * xabs + 0.700383064443688
            b = b * xabs + 6.37396220353165
            b = b * xabs + 33.912866078383
            b = b * xabs + 112.079291497871
            b = b * xabs + 221.213596169931
            b = b * xabs + 220.206867912376
            tail = e * b
            b = 8.83883476483184e-2 * xabs + 1.75566716318264
            b = b * xabs + 16.064177579207
            b = b * xabs + 86.7807322029461
            b = b * xabs + 296.564248779674
            b = b * xabs + 637.333633378831
            b = b * xabs + 793.826512519948
            b = b * xabs + 440.413735824752
            tail = tail / b
        else
            b = xabs + 0.65
            b = xabs + 4.0 / b
            b = xabs + 3.0 / b
            b = xabs + 2.0 / b
            b = xabs + 1.0 / b
            tail = e / b / 2.506628274631
        end
    end
    return x > 0 ? 1.0 - tail : tail
end

"""
    black76_call(forward, strike, maturity, volatility, rate = 0.0)

Black-76 call `exp(-rT) (F N(d1) - K N(d2))`; `volatility` per square-root year.
"""
function black76_call(forward::Real, strike::Real, maturity::Real, volatility::Real, rate::Real = 0.0)
    forward > 0 && strike > 0 && maturity > 0 ||
        throw(ArgumentError("forward, strike and maturity must be > 0"))
    volatility >= 0 || throw(ArgumentError("volatility must be >= 0"))
    discount = exp(-rate * maturity)
    total = volatility * sqrt(maturity)
    total == 0 && return discount * max(forward - strike, 0.0)
    d1 = (log(forward / strike) + 0.5 * total^2) / total
    return discount * (forward * normal_cdf(d1) - strike * normal_cdf(d1 - total))
end

"""
    margrabe_exchange(spot1, spot2, maturity, vol1, vol2, correlation, yield1 = 0.0, yield2 = 0.0)

Margrabe exchange option `max(S1 - S2, 0)` with continuous dividend yields.
"""
function margrabe_exchange(
    spot1::Real,
    spot2::Real,
    maturity::Real,
    vol1::Real,
    vol2::Real,
    correlation::Real,
    yield1::Real = 0.0,
    yield2::Real = 0.0,
)
    -1 <= correlation <= 1 || throw(ArgumentError("correlation must lie in [-1, 1]"))
    sigma = sqrt(max(vol1^2 + vol2^2 - 2.0 * correlation * vol1 * vol2, 0.0))
    f1 = spot1 * exp(-yield1 * maturity)
    f2 = spot2 * exp(-yield2 * maturity)
    total = sigma * sqrt(maturity)
    total == 0 && return max(f1 - f2, 0.0)
    d1 = (log(f1 / f2) + 0.5 * total^2) / total
    return f1 * normal_cdf(d1) - f2 * normal_cdf(d1 - total)
end

"""
    log_ou_moments(log_spot, kappa, mean_log, sigma, horizon)

Mean and variance of `ln S_T` under `d ln S = kappa (mean_log - ln S) dt + sigma dW`.
"""
function log_ou_moments(log_spot::Real, kappa::Real, mean_log::Real, sigma::Real, horizon::Real)
    kappa > 0 || throw(ArgumentError("kappa must be > 0"))
    decay = exp(-kappa * horizon)
    mean_value = mean_log + (log_spot - mean_log) * decay
    variance = sigma^2 * -expm1(-2.0 * kappa * horizon) / (2.0 * kappa)
    return mean_value, variance
end

"""
    log_ou_call(spot, strike, maturity, kappa, mean_log, sigma, rate = 0.0)

Call on a log-OU price: Black-76 on the exact transition of `ln S`.
"""
function log_ou_call(
    spot::Real,
    strike::Real,
    maturity::Real,
    kappa::Real,
    mean_log::Real,
    sigma::Real,
    rate::Real = 0.0,
)
    mean_value, variance = log_ou_moments(log(spot), kappa, mean_log, sigma, maturity)
    forward = exp(mean_value + 0.5 * variance)
    return black76_call(forward, strike, maturity, sqrt(variance / maturity), rate)
end

"""
    simulate_jump_ou(x0, kappa, mean_level, sigma, jump_mean, jump_std, dt,
                     normals, jump_counts, jump_times, jump_normals)

Paths (`n_paths x (n_steps + 1)`) of the jump OU by its exact transition: each
jump decays from its time `u dt` within the step to the step's end.
"""
function simulate_jump_ou(
    x0::Real,
    kappa::Real,
    mean_level::Real,
    sigma::Real,
    jump_mean::Real,
    jump_std::Real,
    dt::Real,
    normals::AbstractMatrix{<:Real},
    jump_counts::AbstractMatrix{<:Integer},
    jump_times::AbstractArray{<:Real, 3},
    jump_normals::AbstractArray{<:Real, 3},
)
    dt > 0 || throw(ArgumentError("dt must be > 0"))
    n_paths, n_steps = size(normals)
    decay = exp(-kappa * dt)
    step_std = sigma * sqrt(-expm1(-2.0 * kappa * dt) / (2.0 * kappa))
    out = Matrix{Float64}(undef, n_paths, n_steps + 1)
    out[:, 1] .= Float64(x0)
    for k in 1:n_steps, i in 1:n_paths
        jump = 0.0
        for m in 1:jump_counts[i, k]
            size_m = jump_mean + jump_std * jump_normals[i, k, m]
            jump += size_m * exp(-kappa * dt * (1.0 - jump_times[i, k, m]))
        end
        out[i, k + 1] = mean_level + (out[i, k] - mean_level) * decay +
            step_std * normals[i, k] + jump
    end
    return out
end

"""
    gauss_legendre(n)

Nodes and weights of the `n`-point Gauss-Legendre rule on [-1, 1] (Golub-Welsch).
"""
function gauss_legendre(n::Integer)
    beta = [k / sqrt(4.0 * k^2 - 1.0) for k in 1:(n - 1)]
    decomposition = eigen(SymTridiagonal(zeros(n), beta))
    weights = 2.0 .* decomposition.vectors[1, :] .^ 2
    return decomposition.values, weights
end

"""
    expected_exp(x0, kappa, mean_level, sigma, jump_intensity, jump_mean, jump_std, horizon, coefficient = 1.0)

`E[exp(c X_t)]` of the jump OU (64-point Gauss-Legendre for the jump part).
"""
function expected_exp(
    x0::Real,
    kappa::Real,
    mean_level::Real,
    sigma::Real,
    jump_intensity::Real,
    jump_mean::Real,
    jump_std::Real,
    horizon::Real,
    coefficient::Real = 1.0,
)
    decay = exp(-kappa * horizon)
    mean_value = mean_level + (x0 - mean_level) * decay
    variance = sigma^2 * -expm1(-2.0 * kappa * horizon) / (2.0 * kappa)
    log_value = coefficient * mean_value + 0.5 * coefficient^2 * variance
    if jump_intensity > 0 && horizon > 0
        nodes, weights = gauss_legendre(64)
        s = 0.5 * horizon .* (nodes .+ 1.0)
        w = coefficient .* exp.(-kappa .* s)
        integrand = expm1.(jump_mean .* w .+ 0.5 .* (jump_std .* w) .^ 2)
        log_value += jump_intensity * 0.5 * horizon * dot(weights, integrand)
    end
    return exp(log_value)
end

"""
    mc_estimate(payoffs, method, control = nothing, control_mean = nothing)

Estimate, standard error and control coefficient (`NaN` without control).
Antithetic methods average the first half of the samples with the second half.
"""
function mc_estimate(payoffs::AbstractVector{<:Real}, method::AbstractString, control = nothing, control_mean = nothing)
    method in METHODS || throw(ArgumentError("method must be one of $(join(METHODS, ", "))"))
    y = Vector{Float64}(payoffs)
    c = control === nothing ? nothing : Vector{Float64}(control)
    if occursin("antithetic", method)
        iseven(length(y)) || throw(ArgumentError("antithetic sampling needs an even number of samples"))
        half = length(y) ÷ 2
        y = 0.5 .* (y[1:half] .+ y[(half + 1):end])
        if c !== nothing
            c = 0.5 .* (c[1:half] .+ c[(half + 1):end])
        end
    end
    beta = NaN
    if occursin("control", method)
        (c === nothing || control_mean === nothing) &&
            throw(ArgumentError("method $method needs control samples and control_mean"))
        c_centred = c .- mean(c)
        var_c = dot(c_centred, c_centred)
        beta = var_c > 0 ? dot(c_centred, y .- mean(y)) / var_c : 0.0
        y = y .- beta .* (c .- control_mean)
    end
    return mean(y), std(y) / sqrt(length(y)), beta
end

"""
    strip_payoffs(prices, charge_hours, discharge_hours, eta, cost, mwh_per_pair)

Per-path strip payoff and its linear control for `prices` (`n_paths x 24`, \$/MWh);
hour indices are 1-based.
"""
function strip_payoffs(
    prices::AbstractMatrix{<:Real},
    charge_hours::AbstractVector{<:Integer},
    discharge_hours::AbstractVector{<:Integer},
    eta::Real,
    cost::Real,
    mwh_per_pair::Real,
)
    length(charge_hours) == length(discharge_hours) ||
        throw(DimensionMismatch("charge and discharge blocks differ in length"))
    spread = eta .* prices[:, discharge_hours] .- prices[:, charge_hours]
    payoff = mwh_per_pair .* vec(sum(max.(spread .- cost, 0.0); dims = 2))
    control = mwh_per_pair .* vec(sum(spread; dims = 2))
    return payoff, control
end

end # module
